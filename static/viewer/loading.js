// Stack loading: the series manifests, and each slice's pixels fetched by the worker (loader.js)
// from the current slice outward, a few at a time, holding no more slices than the memory
// budget allows. The viewer owns the series and the current index; this module fills slices in.
import { fetchBitmap, fetchChecked, fetchJson } from './fetch.js';
import { fetchStoredValues } from './pixels.js';

const CONCURRENT_LOADS = 6; // a browser's connections per host over HTTP/1.1
// Decoded slices held at once (384 of 512 x 512): beyond that, the farthest are dropped and
// fetched again from the browser's cache when needed. A page may lower it (data-memory-mib).
const MEMORY_BUDGET_MIB = 192;

export class Slice {
  constructor(image, index) {
    this.image = image;
    this.index = index;
    this.state = 'idle'; // idle, loading, ready, error
    this.values = null; // stored values (grey)
    this.bitmap = null; // decoded picture (colour)
    this.min = 0;
    this.max = 0;
    this.error = '';
  }

  forget() {
    this.bitmap?.close?.();
    this.values = this.bitmap = null;
    this.state = 'idle';
  }
}

export class StackLoader {
  constructor(viewer) {
    this.viewer = viewer;
    this.manifests = new Map(); // manifest URL -> promise of the manifest
    this.early = new Map(); // pixels URL -> promise of a slice decoded before the viewer opened
    this.earlyResolvers = new Map();
    this.inFlight = new Map(); // key -> slice
    this.startWorker();
  }

  manifest(url) {
    if (!this.manifests.has(url)) {
      const request = fetchJson(url);
      request.catch(() => this.manifests.delete(url)); // a failed manifest may be asked again
      this.manifests.set(url, request);
    }
    return this.manifests.get(url);
  }

  // The first click of a double-click comes ~150 ms before the second: start fetching the series
  // and decoding the image then, so the viewer opens onto a slice that is ready or nearly.
  prefetch(source) {
    const index = Number(source.index) || 0;
    this.manifest(source.manifestUrl).then((manifest) => {
      const image = manifest.images[index];
      if (!image || this.early.has(image.pixels_url || image.picture_url)) return;
      if (!image.pixels_url || !this.worker) {
        fetchChecked(image.picture_url).catch(() => {}); // into the cache
        return;
      }
      this.early.clear(); // one slice ahead at most: the reader opens what they clicked last
      const job = { ...pixelsJob(image, manifest), id: `early:${image.pixels_url}` };
      this.early.set(image.pixels_url, new Promise((resolve) => this.earlyResolvers.set(job.id, resolve)));
      this.worker.postMessage({ load: job });
    }).catch(() => {});
  }

  startWorker() {
    try {
      this.worker = new Worker(new URL('./loader.js', import.meta.url), { type: 'module' });
      this.worker.addEventListener('message', ({ data }) => {
        const early = this.earlyResolvers.get(data.id);
        this.earlyResolvers.delete(data.id);
        if (early) early(data);
        else this.loaded(data);
      });
    } catch {
      this.worker = null; // decode in the page instead
    }
  }

  // The slices worth holding: the nearest to the current one that fit the memory budget.
  wanted() {
    const { series, index, root } = this.viewer;
    const slices = series.slices;
    const { width, height } = slices[index].image;
    const perSlice = Math.max(1, width * height * (series.grey ? 2 : 4)); // values or RGBA
    const budget = (Number(root.dataset.memoryMib) || MEMORY_BUDGET_MIB) * 1024 * 1024;
    const keep = Math.max(3, Math.floor(budget / perSlice));
    const order = [];
    for (let d = 0; order.length < Math.min(keep, slices.length); d++) {
      if (index + d < slices.length) order.push(index + d);
      if (d && index - d >= 0) order.push(index - d);
    }
    return order.slice(0, keep);
  }

  // Drop what fell out of the window, start what is missing in it, nearest first.
  pump() {
    const series = this.viewer.series;
    if (!series) return;
    const wanted = this.wanted();
    const inWindow = new Set(wanted);
    for (const slice of series.slices) {
      if (slice.state === 'ready' && !inWindow.has(slice.index)) slice.forget();
    }
    for (const index of wanted) {
      if (this.inFlight.size >= CONCURRENT_LOADS) break;
      const slice = series.slices[index];
      if (slice.state === 'idle') this.load(slice);
    }
    this.showProgress(wanted);
  }

  load(slice) {
    const { manifest, grey } = this.viewer.series;
    slice.state = 'loading';
    const key = `${manifest.id}:${slice.index}`;
    this.inFlight.set(key, slice);
    const image = slice.image;
    if (!grey) {
      this.settle(key, fetchBitmap(image.picture_url).then((bitmap) => ({ bitmap })));
      return;
    }
    const job = { ...pixelsJob(image, manifest), id: key };
    const early = this.early.get(image.pixels_url);
    if (early) {
      this.early.delete(image.pixels_url); // its buffer can be handed over once
      early.then((data) => this.loaded({ ...data, id: key }));
    } else if (this.worker) {
      this.worker.postMessage({ load: job });
    } else {
      this.settle(key, fetchStoredValues(job));
    }
  }

  // A slice loaded in the page rather than by the worker lands the way the worker's would.
  settle(id, promise) {
    promise.then(
      (result) => this.loaded({ ...result, id }),
      (error) => this.loaded({ id, error: error.message }),
    );
  }

  loaded({ id, values, bitmap, min, max, error }) {
    const slice = this.inFlight.get(id);
    this.inFlight.delete(id);
    if (!slice || slice.state !== 'loading') {
      bitmap?.close?.(); // a series switched away from
      return;
    }
    if (error) {
      slice.state = 'error';
      slice.error = error;
    } else {
      Object.assign(slice, { state: 'ready', values: values || null, bitmap: bitmap || null, min, max });
    }
    if (slice.index === this.viewer.index) this.viewer.requestRender('load');
    this.pump();
  }

  cancel() {
    for (const [key, slice] of this.inFlight) {
      if (this.worker && slice.image.pixels_url) this.worker.postMessage({ cancel: key });
      slice.state = 'idle';
    }
    this.inFlight.clear();
  }

  // Progress over the slices worth holding (the whole series unless it outgrows the budget).
  showProgress(wanted) {
    const { series, root, controls } = this.viewer;
    const slices = series.slices;
    const done = wanted.filter((i) => slices[i].state === 'ready' || slices[i].state === 'error').length;
    root.dataset.slicesHeld = slices.filter((s) => s.state === 'ready').length;
    const progress = controls.progress;
    progress.max = wanted.length;
    progress.value = done;
    progress.hidden = done === wanted.length || slices.length === 1;
    progress.textContent = `${done} of ${wanted.length} images loaded`;
  }
}

// What the worker needs to fetch and decode one grey image.
function pixelsJob(image, manifest) {
  return { url: image.pixels_url, rows: image.height, columns: image.width, signed: manifest.signed };
}
