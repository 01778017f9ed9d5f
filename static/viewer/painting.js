// How a slice reaches the canvas: where it lands (the view: {scale, x, y}, CSS pixels per image
// pixel and the image's top-left corner on the canvas) and how it is painted there. A grey slice
// is windowed through a lookup table into a buffer at image resolution, then drawn scaled, so that
// zoom and pan reuse the windowed buffer; a colour picture is drawn through CSS filters.
import { displayMatrix, UPRIGHT } from './orientation.js';
import { lookupTable } from './windowing.js';

const MIN_SCALE = 0.05;
const MAX_SCALE = 40;

// The whole image centred in a box of this size (width and height as turned on screen).
export function fittedView(box, width, height) {
  const scale = Math.min(box.width / width, box.height / height) || 1;
  return { scale, x: (box.width - width * scale) / 2, y: (box.height - height * scale) / 2 };
}

// The view zoomed by `factor`, within limits, keeping the canvas point (x, y) where it is.
export function zoomedView(view, x, y, factor) {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const ratio = scale / view.scale;
  return { scale, x: x - (x - view.x) * ratio, y: y - (y - view.y) * ratio };
}

export class SlicePainter {
  constructor() {
    this.buffer = document.createElement('canvas'); // the slice at image resolution
    this.bufferCtx = this.buffer.getContext('2d');
    this.pixels = null;
    this.painted = null; // what the buffer holds: series, slice and lookup table
    this.lut = null;
  }

  // `look` is {window, inverted, photometric, series}: what decides the slice's pixels;
  // `orientation` how it is turned and flipped (orientation.js).
  draw(ctx, slice, view, look, orientation = UPRIGHT) {
    const { width, height } = slice.image;
    const { scale, x, y } = view;
    ctx.imageSmoothingEnabled = scale < 6; // enlarged far, show the pixels as they are
    ctx.imageSmoothingQuality = 'high';
    ctx.save();
    ctx.translate(x, y);
    ctx.scale(scale, scale);
    ctx.transform(...displayMatrix(width, height, orientation));
    if (slice.values) {
      this.paintBuffer(slice, look);
      ctx.drawImage(this.buffer, 0, 0, width, height);
    } else {
      const { brightness, contrast } = look.window;
      ctx.filter = `brightness(${brightness}%) contrast(${contrast}%)${look.inverted ? ' invert(1)' : ''}`;
      ctx.drawImage(slice.bitmap, 0, 0, width, height);
    }
    ctx.restore();
  }

  paintBuffer(slice, look) {
    const { width, height } = slice.image;
    if (this.buffer.width !== width || this.buffer.height !== height || !this.pixels) {
      this.buffer.width = width;
      this.buffer.height = height;
      this.pixels = this.bufferCtx.createImageData(width, height);
      this.painted = null;
    }
    const table = this.lookupTable(slice, look);
    const key = `${look.series}|${slice.index}|${this.lut.key}`;
    if (this.painted === key) return; // only zoom or pan changed: the buffer is right
    const out = new Uint32Array(this.pixels.data.buffer);
    const values = slice.values;
    const min = slice.min;
    for (let i = 0; i < values.length; i++) out[i] = table[values[i] - min];
    this.bufferCtx.putImageData(this.pixels, 0, 0);
    this.painted = key;
  }

  // The table is kept while its inputs stay the same: scrolling a series mostly reuses it.
  lookupTable(slice, { window, inverted, photometric }) {
    const rescale = slice.image.rescale || [1, 0];
    const invert = inverted !== (photometric === 'MONOCHROME1');
    const key = [slice.min, slice.max, ...rescale, window.center, window.width, invert].join();
    if (this.lut?.key !== key) {
      this.lut = { key, table: lookupTable(slice.min, slice.max, rescale, window, invert) };
    }
    return this.lut.table;
  }
}
