// A worker that fetches and decodes stored values off the main thread, so scrolling and
// windowing stay smooth while a long series streams in. Messages in: {load: {id, url, rows,
// columns, signed}} or {cancel: id}; out: {id, values, min, max} (buffer transferred) or
// {id, error}. A module worker: new Worker(url, {type: 'module'}).
import { fetchStoredValues } from './pixels.js';

const pending = new Map();

async function load(job) {
  const controller = new AbortController();
  pending.set(job.id, controller);
  try {
    const { values, min, max } = await fetchStoredValues(job, controller.signal);
    self.postMessage({ id: job.id, values, min, max }, [values.buffer]);
  } catch (error) {
    if (error.name !== 'AbortError') self.postMessage({ id: job.id, error: String(error.message || error) });
  } finally {
    pending.delete(job.id);
  }
}

self.addEventListener('message', ({ data }) => {
  if (data.load) load(data.load);
  else if (data.cancel !== undefined) pending.get(data.cancel)?.abort();
});
