// The inverse of dicom/pixelstore.py: turn an inflated pixel-store payload back into the frame's
// exact stored values. The browser has already inflated the gzip (Content-Encoding), so this is
// the only work left: one pass over the pixels, a few milliseconds for a 512 x 512 slice.
//
// Payload: the low bytes of every zigzag residual (row-major), then their high bytes. Residual =
// value - MED prediction from the left (a), upper (b) and upper-left (c) neighbours, in 16-bit
// wrapping arithmetic. Writing into an Int16Array/Uint16Array wraps modulo 2^16 for us, and reading
// a neighbour back gives it in the frame's own domain (signed or not), as the encoder predicted.
import { fetchBytes } from './fetch.js';

// One slice's stored values and their range, fetched and decoded: the worker's job, and the page's
// when it cannot start a worker. `signal` lets the worker abort a slice the reader left behind.
export async function fetchStoredValues({ url, rows, columns, signed }, signal) {
  const values = decodeStoredValues(await fetchBytes(url, { signal }), rows, columns, signed);
  const [min, max] = valueRange(values);
  return { values, min, max };
}

export function decodeStoredValues(payload, rows, columns, signed) {
  const count = rows * columns;
  if (payload.length !== 2 * count) {
    throw new Error(`pixel data holds ${payload.length} bytes, not 2 x ${rows} x ${columns}`);
  }
  const values = signed ? new Int16Array(count) : new Uint16Array(count);
  const low = payload.subarray(0, count);
  const high = payload.subarray(count);
  const residual = (i) => {
    const z = low[i] | (high[i] << 8);
    return (z >>> 1) ^ -(z & 1);
  };
  let left = 0; // the first pixel predicts 0, the rest of row 0 predicts from the left
  for (let i = 0; i < columns; i++) {
    values[i] = left + residual(i);
    left = values[i];
  }
  for (let row = 1; row < rows; row++) {
    const start = row * columns;
    values[start] = values[start - columns] + residual(start); // column 0 predicts from above
    for (let i = start + 1, end = start + columns; i < end; i++) {
      const a = values[i - 1];
      const b = values[i - columns];
      const c = values[i - columns - 1];
      let prediction;
      if (c >= (a > b ? a : b)) prediction = a < b ? a : b;
      else if (c <= (a < b ? a : b)) prediction = a > b ? a : b;
      else prediction = a + b - c;
      const z = low[i] | (high[i] << 8);
      values[i] = prediction + ((z >>> 1) ^ -(z & 1));
    }
  }
  return values;
}

// The smallest and largest stored value, for the window lookup table's extent.
export function valueRange(values) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length ? [min, max] : [0, 0];
}
