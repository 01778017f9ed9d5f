// A worker that fetches and decodes stored values off the main thread, so scrolling and
// windowing stay smooth while a long series streams in. Messages in: {load: {id, url, rows,
// columns, signed}} or {cancel: id}; out: {id, values, min, max} (buffer transferred) or
// {id, error}.
import { decodeStoredValues, valueRange } from './pixels.js';

const pending = new Map();

async function load({ id, url, rows, columns, signed }) {
  const controller = new AbortController();
  pending.set(id, controller);
  try {
    const response = await fetch(url, { credentials: 'same-origin', signal: controller.signal });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const payload = new Uint8Array(await response.arrayBuffer());
    const values = decodeStoredValues(payload, rows, columns, signed);
    const [min, max] = valueRange(values);
    self.postMessage({ id, values, min, max }, [values.buffer]);
  } catch (error) {
    if (error.name !== 'AbortError') self.postMessage({ id, error: String(error.message || error) });
  } finally {
    pending.delete(id);
  }
}

self.addEventListener('message', ({ data }) => {
  if (data.load) load(data.load);
  else if (data.cancel !== undefined) pending.get(data.cancel)?.abort();
});
