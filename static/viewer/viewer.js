// The case image viewer: window/level on real stored values, stack scrolling and cine, zoom and
// pan, length measurement, orientation letters and a scale bar. One module, plain canvas 2D, no
// dependencies; docs/viewer.md says why. The case page's tiles open it with a double-click; their
// data-* attributes name the series manifest (viewer/manifest.py), which is all it is told.
import { decodeStoredValues, valueRange } from './pixels.js';

const CONCURRENT_LOADS = 6; // a browser's connections per host over HTTP/1.1
// Decoded slices held at once (384 of 512 x 512): beyond that, the farthest are dropped and
// fetched again from the browser's cache when needed. A page may lower it (data-memory-mib).
const MEMORY_BUDGET_MIB = 192;
const WHEEL_STEP = 50; // wheel delta per slice: one mouse notch (100) is one slice or two
const MIN_SCALE = 0.05;
const MAX_SCALE = 40;
const HIT_RADIUS = 6; // px around a measurement line that selects it
const DOUBLE_TAP_MS = 300;
const SCALE_BAR_LENGTHS = [1, 2, 5, 10, 20, 50, 100, 200, 500];
const LETTERS = [['L', 'R'], ['P', 'A'], ['H', 'F']]; // +x, -x; +y, -y; +z, -z (patient LPS)

class Slice {
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

class Viewer {
  constructor(root) {
    this.root = root;
    this.canvas = root.querySelector('.viewer-canvas');
    this.ctx = this.canvas.getContext('2d', { alpha: false }); // opaque: cheaper to composite
    this.buffer = document.createElement('canvas'); // the slice at image resolution
    this.bufferCtx = this.buffer.getContext('2d');
    this.controls = {
      slider: root.querySelector('input[name="slice"]'),
      fps: root.querySelector('input[name="fps"]'),
      preset: root.querySelector('select[name="preset"]'),
      progress: root.querySelector('.viewer-progress'),
      series: root.querySelector('.viewer-series'),
      measurements: root.querySelector('.viewer-measurements'),
      help: root.querySelector('.viewer-help'),
    };
    this.readouts = Object.fromEntries(
      [...root.querySelectorAll('[data-readout]')].map((el) => [el.dataset.readout, el]),
    );
    this.manifests = new Map(); // manifest URL -> promise of the manifest
    this.early = new Map(); // pixels URL -> promise of a slice decoded before the viewer opened
    this.earlyResolvers = new Map();
    this.pointers = new Map();
    this.tool = 'wl';
    this.rendered = 0;
    this.frameRequested = false;
    this.startWorker();
    this.bind();
  }

  // --- opening, closing and series --------------------------------------------------------------

  open(source) {
    performance.mark('viewer:open');
    this.awaitingFirstSlice = true;
    this.returnFocus = document.activeElement;
    this.root.hidden = false;
    this.root.focus({ preventScroll: true });
    document.documentElement.classList.add('viewer-open');
    if (location.hash !== '#viewer') {
      history.pushState({ viewer: true }, '', '#viewer');
      this.pushedHistory = true;
    }
    this.listSeries();
    this.resize();
    this.showSeries(source.manifestUrl, Number(source.index) || 0);
  }

  close() {
    if (this.root.hidden) return;
    if (this.pushedHistory) {
      this.pushedHistory = false;
      history.back(); // popstate finishes the close, so Back and Close do the same
      return;
    }
    this.hide();
  }

  hide() {
    this.stop();
    this.cancelLoads();
    this.series?.slices.forEach((slice) => slice.forget());
    this.series = null;
    this.root.hidden = true;
    this.toggleHelp(false);
    document.documentElement.classList.remove('viewer-open');
    this.returnFocus?.focus?.({ preventScroll: true });
  }

  listSeries() {
    // One button per series on the page, in page order; labels come from the manifests, which
    // hold only what the workflow may show.
    const seen = new Map();
    document.querySelectorAll('.case-image[data-manifest-url]').forEach((tile) => {
      if (!seen.has(tile.dataset.series)) seen.set(tile.dataset.series, tile);
    });
    this.controls.series.replaceChildren(
      ...[...seen.values()].map((tile, n) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.series = tile.dataset.series;
        button.dataset.manifestUrl = tile.dataset.manifestUrl;
        const thumb = tile.querySelector('img');
        if (thumb) {
          const img = document.createElement('img');
          img.src = thumb.currentSrc || thumb.src;
          img.alt = '';
          button.append(img);
        }
        const label = document.createElement('span');
        label.textContent = `Series ${n + 1}`;
        button.append(label);
        this.manifest(tile.dataset.manifestUrl)
          .then((manifest) => { label.textContent = `${manifest.label} (${manifest.images.length})`; })
          .catch(() => {});
        return button;
      }),
    );
  }

  manifest(url) {
    if (!this.manifests.has(url)) {
      const request = fetch(url, { credentials: 'same-origin' }).then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      });
      request.catch(() => this.manifests.delete(url)); // a failed manifest may be asked again
      this.manifests.set(url, request);
    }
    return this.manifests.get(url);
  }

  async showSeries(url, index) {
    this.stop();
    this.cancelLoads();
    this.series?.slices.forEach((slice) => slice.forget());
    this.series = null;
    this.root.dataset.state = 'loading';
    this.status('Loading series…');
    let manifest;
    try {
      manifest = await this.manifest(url);
    } catch (error) {
      this.root.dataset.state = 'error';
      this.status(`This series could not be loaded (${error.message}).`);
      return;
    }
    if (this.root.hidden) return;
    const grey = manifest.kind === 'grey';
    this.series = {
      manifest,
      grey,
      slices: manifest.images.map((image, n) => new Slice(image, n)),
      measurements: new Map(), // slice index -> [{x1, y1, x2, y2}] in image pixels
      windowPinned: false,
    };
    this.root.dataset.series = manifest.id;
    this.controls.series.querySelectorAll('button').forEach((button) => {
      button.setAttribute('aria-current', String(button.dataset.series === String(manifest.id)));
    });
    this.index = Math.min(Math.max(index, 0), manifest.images.length - 1);
    this.controls.slider.max = manifest.images.length;
    this.controls.slider.disabled = manifest.images.length < 2;
    this.buildPresets();
    this.resetView();
    this.status(this.spacingNote());
    this.goTo(this.index, 'series');
  }

  // The first click of a double-click comes ~150 ms before the second: start fetching the series
  // and decoding the image then, so the viewer opens onto a slice that is ready or nearly.
  prefetch(source) {
    const index = Number(source.index) || 0;
    this.manifest(source.manifestUrl).then((manifest) => {
      const image = manifest.images[index];
      if (!image || this.early.has(image.pixels_url || image.picture_url)) return;
      if (!image.pixels_url || !this.worker) {
        fetch(image.picture_url, { credentials: 'same-origin' }).catch(() => {}); // into the cache
        return;
      }
      this.early.clear(); // one slice ahead at most: the reader opens what they clicked last
      const id = `early:${image.pixels_url}`;
      const job = { id, url: image.pixels_url, rows: image.height, columns: image.width, signed: manifest.signed };
      this.early.set(image.pixels_url, new Promise((resolve) => this.earlyResolvers.set(id, resolve)));
      this.worker.postMessage({ load: job });
    }).catch(() => {});
  }

  // --- loading -----------------------------------------------------------------------------------

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
    this.inFlight = new Map(); // key -> slice
  }

  sliceKey(slice) {
    return `${this.series.manifest.id}:${slice.index}`;
  }

  // The slices worth holding: the nearest to the current one that fit the memory budget.
  window() {
    const slices = this.series.slices;
    const { width, height } = slices[this.index].image;
    const perSlice = Math.max(1, width * height * (this.series.grey ? 2 : 4)); // values or RGBA
    const budget = (Number(this.root.dataset.memoryMib) || MEMORY_BUDGET_MIB) * 1024 * 1024;
    const keep = Math.max(3, Math.floor(budget / perSlice));
    const order = [];
    for (let d = 0; order.length < Math.min(keep, slices.length); d++) {
      if (this.index + d < slices.length) order.push(this.index + d);
      if (d && this.index - d >= 0) order.push(this.index - d);
    }
    return order.slice(0, keep);
  }

  pump() {
    if (!this.series) return;
    const wanted = this.window();
    const inWindow = new Set(wanted);
    for (const slice of this.series.slices) {
      if (slice.state === 'ready' && !inWindow.has(slice.index)) slice.forget();
    }
    for (const index of wanted) {
      if (this.inFlight.size >= CONCURRENT_LOADS) break;
      const slice = this.series.slices[index];
      if (slice.state === 'idle') this.load(slice);
    }
    this.showProgress(wanted);
  }

  load(slice) {
    slice.state = 'loading';
    const key = this.sliceKey(slice);
    this.inFlight.set(key, slice);
    const image = slice.image;
    if (!this.series.grey) {
      this.loadPicture(image.picture_url).then(
        (bitmap) => this.loaded({ id: key, bitmap }),
        (error) => this.loaded({ id: key, error: error.message }),
      );
      return;
    }
    const job = {
      id: key,
      url: image.pixels_url,
      rows: image.height,
      columns: image.width,
      signed: this.series.manifest.signed,
    };
    const early = this.early.get(image.pixels_url);
    if (early) {
      this.early.delete(image.pixels_url); // its buffer can be handed over once
      early.then((data) => this.loaded({ ...data, id: key }));
    } else if (this.worker) {
      this.worker.postMessage({ load: job });
    } else {
      this.loadInPage(job);
    }
  }

  async loadPicture(url) {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return createImageBitmap(await response.blob());
  }

  async loadInPage({ id, url, rows, columns, signed }) {
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const values = decodeStoredValues(new Uint8Array(await response.arrayBuffer()), rows, columns, signed);
      const [min, max] = valueRange(values);
      this.loaded({ id, values, min, max });
    } catch (error) {
      this.loaded({ id, error: error.message });
    }
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
    if (slice.index === this.index) this.requestRender('load');
    this.pump();
  }

  cancelLoads() {
    for (const [key, slice] of this.inFlight) {
      if (this.worker && slice.image.pixels_url) this.worker.postMessage({ cancel: key });
      slice.state = 'idle';
    }
    this.inFlight.clear();
  }

  // Progress over the slices worth holding (the whole series unless it outgrows the budget).
  showProgress(wanted) {
    const slices = this.series.slices;
    const done = wanted.filter((i) => slices[i].state === 'ready' || slices[i].state === 'error').length;
    this.root.dataset.slicesHeld = slices.filter((s) => s.state === 'ready').length;
    const progress = this.controls.progress;
    progress.max = wanted.length;
    progress.value = done;
    progress.hidden = done === wanted.length || slices.length === 1;
    progress.textContent = `${done} of ${wanted.length} images loaded`;
  }

  // --- window/level ------------------------------------------------------------------------------

  buildPresets() {
    const { manifest, grey } = this.series;
    const presets = [...(manifest.presets || [])];
    if (grey) {
      if (manifest.windows?.length && !presets.some((p) => p.name.startsWith('Default'))) {
        const [center, width] = manifest.windows[0];
        presets.push({ name: 'Default', center, width });
      }
      presets.push({ name: 'Auto', auto: true });
    }
    this.presets = presets;
    const select = this.controls.preset;
    const custom = new Option('Custom', '');
    custom.hidden = true;
    select.replaceChildren(
      custom,
      ...presets.map((p, n) => new Option(n < 9 ? `${n + 1} ${p.name}` : p.name, String(n))),
    );
    select.disabled = !grey;
    select.value = '';
  }

  defaultWindow(slice) {
    const image = slice.image;
    const file = image.windows?.[0] || this.series.manifest.windows?.[0];
    if (this.series.grey && file) {
      const named = this.presets.findIndex((p) => p.center === file[0] && p.width === file[1]);
      this.controls.preset.value = named >= 0 ? String(named) : '';
      return { center: file[0], width: Math.max(1, file[1]) };
    }
    if (this.series.grey) return this.autoWindow(slice);
    return { brightness: 100, contrast: 100 };
  }

  // Auto: the 1st to 99th percentile of this slice's values, after rescale.
  autoWindow(slice) {
    const values = slice.values;
    const step = Math.max(1, Math.floor(values.length / 65536));
    const sample = new Float64Array(Math.ceil(values.length / step));
    const [slope, intercept] = slice.image.rescale || [1, 0];
    for (let i = 0, j = 0; i < values.length; i += step, j++) sample[j] = values[i] * slope + intercept;
    sample.sort();
    const low = sample[Math.floor(sample.length * 0.01)];
    const high = sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.99))];
    return { center: (low + high) / 2, width: Math.max(1, high - low) };
  }

  applyPreset(n) {
    const preset = this.presets?.[n];
    if (!preset || !this.series?.grey) return;
    const slice = this.current();
    if (preset.auto) {
      if (slice.state !== 'ready') return;
      this.series.window = this.autoWindow(slice);
    } else {
      this.series.window = { center: preset.center, width: preset.width };
    }
    this.controls.preset.value = String(n);
    this.requestRender('wl');
  }

  adjustWindow(dx, dy) {
    const win = this.series?.window;
    if (!win) return;
    if (this.series.grey) {
      const slice = this.current();
      const range = slice.state === 'ready' ? (slice.max - slice.min) * Math.abs(slice.image.rescale?.[0] || 1) : 4096;
      const sensitivity = Math.max(win.width / 256, range / 2048, 0.05);
      win.width = Math.max(1, win.width + dx * sensitivity);
      win.center -= dy * sensitivity;
    } else {
      win.contrast = Math.min(400, Math.max(0, win.contrast + dx * 0.5));
      win.brightness = Math.min(400, Math.max(0, win.brightness - dy * 0.5));
    }
    this.controls.preset.value = '';
    this.requestRender('wl');
  }

  // A lookup table from stored value to an opaque grey RGBA pixel, over the slice's value range:
  // the per-pixel work is then one read and one write (PS3.3 C.11.2.1.2 linear VOI function).
  lookupTable(slice) {
    const { center, width } = this.series.window;
    const [slope, intercept] = slice.image.rescale || [1, 0];
    const inverted = this.inverted !== (this.series.manifest.photometric === 'MONOCHROME1');
    const key = [slice.min, slice.max, slope, intercept, center, width, inverted].join();
    if (this.lut?.key === key) return this.lut.table;
    const table = new Uint32Array(slice.max - slice.min + 1);
    const low = center - 0.5 - (width - 1) / 2;
    const high = center - 0.5 + (width - 1) / 2;
    for (let i = 0; i < table.length; i++) {
      const x = (slice.min + i) * slope + intercept;
      let grey = x <= low ? 0 : x > high ? 255 : Math.round(((x - (center - 0.5)) / (width - 1) + 0.5) * 255);
      if (inverted) grey = 255 - grey;
      table[i] = (0xff000000 | (grey * 0x010101)) >>> 0;
    }
    this.lut = { key, table };
    return table;
  }

  paintBuffer(slice) {
    const { width, height } = slice.image;
    if (this.buffer.width !== width || this.buffer.height !== height || !this.pixels) {
      this.buffer.width = width;
      this.buffer.height = height;
      this.pixels = this.bufferCtx.createImageData(width, height);
      this.painted = null;
    }
    const table = this.lookupTable(slice);
    const key = `${this.series.manifest.id}|${slice.index}|${this.lut.key}`;
    if (this.painted === key) return; // only zoom or pan changed: the buffer is right
    const out = new Uint32Array(this.pixels.data.buffer);
    const values = slice.values;
    const min = slice.min;
    for (let i = 0; i < values.length; i++) out[i] = table[values[i] - min];
    this.bufferCtx.putImageData(this.pixels, 0, 0);
    this.painted = key;
  }

  // --- slices and cine ---------------------------------------------------------------------------

  current() {
    return this.series.slices[this.index];
  }

  goTo(index, reason = 'scroll') {
    if (!this.series) return;
    const count = this.series.slices.length;
    this.index = Math.min(Math.max(index, 0), count - 1);
    this.root.dataset.slice = this.index;
    this.root.dataset.state = 'loading'; // until the draw below says what this slice shows
    this.controls.slider.value = this.index + 1;
    this.readouts.slice.textContent = `${this.index + 1} / ${count}`;
    this.selected = null;
    this.showMeasurements();
    this.pump();
    this.requestRender(reason);
  }

  step(delta) {
    this.goTo(this.index + delta);
  }

  play() {
    if (this.timer || !this.series || this.series.slices.length < 2) return this.stop();
    const fps = Math.min(60, Math.max(1, Number(this.controls.fps.value) || 10));
    this.timer = setInterval(() => {
      const next = (this.index + 1) % this.series.slices.length;
      if (this.series.slices[next].state !== 'loading') this.goTo(next, 'cine'); // wait for it
    }, 1000 / fps);
    this.setPressed('play', true);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.setPressed('play', false);
  }

  // --- view: zoom and pan ------------------------------------------------------------------------

  resetView() {
    this.inverted = false;
    this.setPressed('invert', false);
    if (this.series) {
      const slice = this.current();
      this.controls.preset.value = '';
      this.series.window = slice.state === 'ready' ? this.defaultWindow(slice) : null;
    }
    this.fit();
  }

  fit() {
    if (!this.series) return;
    const { width, height } = this.current().image;
    const box = this.canvas.getBoundingClientRect();
    const scale = Math.min(box.width / width, box.height / height) || 1;
    this.view = { scale, x: (box.width - width * scale) / 2, y: (box.height - height * scale) / 2 };
    this.fitted = true;
    this.requestRender('zoom');
  }

  actualSize() {
    const box = this.canvas.getBoundingClientRect();
    this.zoomAt(box.width / 2, box.height / 2, 1 / (devicePixelRatio || 1) / this.view.scale);
  }

  zoomAt(x, y, factor) {
    if (!this.view) return;
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.view.scale * factor));
    const ratio = scale / this.view.scale;
    this.view = { scale, x: x - (x - this.view.x) * ratio, y: y - (y - this.view.y) * ratio };
    this.fitted = false;
    this.requestRender('zoom');
  }

  pan(dx, dy) {
    this.view.x += dx;
    this.view.y += dy;
    this.fitted = false;
    this.requestRender('pan');
  }

  resize() {
    const box = this.canvas.getBoundingClientRect();
    const ratio = devicePixelRatio || 1;
    const width = Math.max(1, Math.round(box.width * ratio));
    const height = Math.max(1, Math.round(box.height * ratio));
    // Setting a size reallocates the backing store even when it is the same: only on a change.
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    if (this.series && this.fitted) this.fit();
    else this.requestRender('resize');
  }

  toImage(x, y) {
    return { x: (x - this.view.x) / this.view.scale, y: (y - this.view.y) / this.view.scale };
  }

  toScreen(x, y) {
    return { x: x * this.view.scale + this.view.x, y: y * this.view.scale + this.view.y };
  }

  // --- drawing -----------------------------------------------------------------------------------

  requestRender(reason) {
    this.renderReason = reason;
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.render(this.renderReason);
    });
  }

  render(reason) {
    if (!this.series || this.root.hidden || !this.view) return;
    const start = performance.now();
    const ctx = this.ctx;
    const ratio = this.canvas.width / Math.max(1, this.canvas.getBoundingClientRect().width);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const slice = this.current();
    if (slice.state === 'ready') this.drawSlice(slice);
    else this.drawMessage(slice);
    this.drawOverlays(slice);
    this.showReadouts(slice);
    const end = performance.now();
    performance.measure('viewer:render', { start, end, detail: { reason } });
    this.root.dataset.rendered = ++this.rendered;
    if (slice.state === 'ready' && this.awaitingFirstSlice) {
      this.awaitingFirstSlice = false;
      performance.measure('viewer:first-slice', 'viewer:open');
    }
  }

  drawSlice(slice) {
    const ctx = this.ctx;
    const { width, height } = slice.image;
    const { scale, x, y } = this.view;
    ctx.imageSmoothingEnabled = scale < 6; // enlarged far, show the pixels as they are
    ctx.imageSmoothingQuality = 'high';
    // The series' window starts as the first slice shown defines it, and stays while scrolling.
    if (!this.series.window) this.series.window = this.defaultWindow(slice);
    if (slice.values) {
      this.paintBuffer(slice);
      ctx.drawImage(this.buffer, x, y, width * scale, height * scale);
    } else {
      const { brightness, contrast } = this.series.window;
      ctx.filter = `brightness(${brightness}%) contrast(${contrast}%)${this.inverted ? ' invert(1)' : ''}`;
      ctx.drawImage(slice.bitmap, x, y, width * scale, height * scale);
      ctx.filter = 'none';
    }
    this.root.dataset.state = 'ready';
  }

  drawMessage(slice) {
    const box = this.canvas.getBoundingClientRect();
    const failed = slice.state === 'error';
    this.root.dataset.state = failed ? 'error' : 'loading';
    const ctx = this.ctx;
    ctx.fillStyle = failed ? '#f88' : '#aaa';
    ctx.font = '16px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const text = failed
      ? `Image ${slice.index + 1} could not be loaded (${slice.error}).`
      : `Loading image ${slice.index + 1}…`;
    ctx.fillText(text, box.width / 2, box.height / 2);
  }

  drawOverlays(slice) {
    const canvas = this.canvas;
    canvas.dataset.scale = this.view.scale;
    canvas.dataset.offsetX = this.view.x;
    canvas.dataset.offsetY = this.view.y;
    if (slice.state !== 'ready') return;
    this.drawMeasurements(slice);
    this.drawOrientation(slice);
    this.drawScaleBar(slice);
  }

  drawMeasurements(slice) {
    const ctx = this.ctx;
    const lines = [...(this.series.measurements.get(slice.index) || [])];
    if (this.draft) lines.push(this.draft);
    ctx.lineWidth = 1.5;
    ctx.font = '13px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    lines.forEach((line) => {
      const a = this.toScreen(line.x1, line.y1);
      const b = this.toScreen(line.x2, line.y2);
      const colour = line === this.selected ? '#4cf' : '#fd3';
      ctx.strokeStyle = ctx.fillStyle = colour;
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.stroke();
      [a, b].forEach((p) => ctx.fillRect(p.x - 2, p.y - 2, 4, 4));
      const label = this.lengthText(line, slice);
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#000';
      ctx.strokeText(label, Math.max(a.x, b.x) + 6, (a.y + b.y) / 2);
      ctx.fillText(label, Math.max(a.x, b.x) + 6, (a.y + b.y) / 2);
      ctx.lineWidth = 1.5;
    });
  }

  drawOrientation(slice) {
    const cosines = slice.image.orientation;
    if (!cosines || cosines.length !== 6) return;
    const row = cosines.slice(0, 3);
    const column = cosines.slice(3, 6);
    const box = this.canvas.getBoundingClientRect();
    const { width, height } = slice.image;
    const { scale, x, y } = this.view;
    const clampX = (v) => Math.min(box.width - 14, Math.max(14, v));
    const clampY = (v) => Math.min(box.height - 14, Math.max(14, v));
    const midX = clampX(x + (width * scale) / 2);
    const midY = clampY(y + (height * scale) / 2);
    const ctx = this.ctx;
    ctx.font = 'bold 15px system-ui, sans-serif';
    ctx.fillStyle = '#9cf';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 3;
    const letter = (text, atX, atY) => {
      ctx.strokeText(text, atX, atY); // outlined, to read on white (inverted) images too
      ctx.fillText(text, atX, atY);
    };
    letter(direction(column, -1), midX, clampY(y + 12));
    letter(direction(column, 1), midX, clampY(y + height * scale - 12));
    letter(direction(row, -1), clampX(x + 12), midY);
    letter(direction(row, 1), clampX(x + width * scale - 12), midY);
  }

  drawScaleBar(slice) {
    const spacing = this.spacing(slice);
    if (!spacing) return;
    const pxPerMm = this.view.scale / spacing[1];
    const mm = [...SCALE_BAR_LENGTHS].reverse().find((l) => l * pxPerMm <= 150) || SCALE_BAR_LENGTHS[0];
    const length = mm * pxPerMm;
    const box = this.canvas.getBoundingClientRect();
    const x = box.width - 20 - length;
    const y = box.height - 40;
    const ctx = this.ctx;
    ctx.strokeStyle = ctx.fillStyle = '#ddd';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y - 5);
    ctx.lineTo(x, y);
    ctx.lineTo(x + length, y);
    ctx.lineTo(x + length, y - 5);
    ctx.stroke();
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(mm >= 10 ? `${mm / 10} cm` : `${mm} mm`, x + length / 2, y + 3);
  }

  showReadouts(slice) {
    const win = this.series.window;
    let text = '';
    if (win && this.series.grey) text = `W ${round(win.width)} L ${round(win.center)}`;
    else if (win) text = `Brightness ${Math.round(win.brightness)}% Contrast ${Math.round(win.contrast)}%`;
    this.readouts.wl.textContent = text;
    this.readouts.zoom.textContent = `${Math.round(this.view.scale * (devicePixelRatio || 1) * 100)}%`;
    const { width, height } = slice.image;
    const spacing = this.spacing(slice);
    this.readouts.info.textContent = `${width} × ${height}` +
      (spacing ? ` · ${spacing[1].toFixed(2)} × ${spacing[0].toFixed(2)} mm` : '');
  }

  // --- measurement -------------------------------------------------------------------------------

  spacing(slice) {
    const spacing = slice.image.spacing || this.series.manifest.pixel_spacing;
    return spacing && spacing.length === 2 && spacing[0] > 0 && spacing[1] > 0 ? spacing : null;
  }

  spacingNote() {
    const manifest = this.series.manifest;
    const known = manifest.pixel_spacing || manifest.images.some((image) => image.spacing);
    if (!known) return 'No pixel spacing in this file: lengths are in pixels.';
    return manifest.spacing_note ? `Lengths use ${manifest.spacing_note}.` : '';
  }

  lengthText(line, slice) {
    const spacing = this.spacing(slice);
    const dx = line.x2 - line.x1;
    const dy = line.y2 - line.y1;
    if (!spacing) return `${Math.hypot(dx, dy).toFixed(0)} px`;
    return `${Math.hypot(dx * spacing[1], dy * spacing[0]).toFixed(1)} mm`;
  }

  lineAt(x, y) {
    const lines = this.series.measurements.get(this.index) || [];
    return lines.find((line) => {
      const a = this.toScreen(line.x1, line.y1);
      const b = this.toScreen(line.x2, line.y2);
      return distanceToSegment(x, y, a, b) <= HIT_RADIUS;
    });
  }

  addMeasurement(line) {
    const lines = this.series.measurements.get(this.index) || [];
    lines.push(line);
    this.series.measurements.set(this.index, lines);
    this.selected = line;
    this.showMeasurements();
  }

  deleteMeasurement(line) {
    const lines = this.series.measurements.get(this.index) || [];
    const at = lines.indexOf(line);
    if (at < 0) return;
    lines.splice(at, 1);
    if (this.selected === line) this.selected = null;
    this.showMeasurements();
    this.requestRender('measure');
  }

  showMeasurements() {
    const list = this.controls.measurements;
    const lines = this.series?.measurements.get(this.index) || [];
    const slice = this.series && this.current();
    list.replaceChildren(
      ...lines.map((line, n) => {
        const item = document.createElement('li');
        if (line === this.selected) item.setAttribute('aria-current', 'true');
        const length = document.createElement('span');
        length.dataset.length = '';
        length.textContent = this.lengthText(line, slice);
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.dataset.action = 'delete-measurement';
        remove.textContent = '×';
        remove.setAttribute('aria-label', `Delete measurement ${n + 1}`);
        remove.addEventListener('click', () => this.deleteMeasurement(line));
        item.append(length, ' ', remove);
        return item;
      }),
    );
    list.closest('.viewer-measurements-panel').hidden = !lines.length;
  }

  // --- input ---------------------------------------------------------------------------------------

  bind() {
    const { canvas, root, controls } = this;
    canvas.addEventListener('pointerdown', (e) => this.pointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.pointerMove(e));
    canvas.addEventListener('pointerup', (e) => this.pointerUp(e));
    canvas.addEventListener('pointercancel', (e) => this.pointerUp(e, true));
    canvas.addEventListener('contextmenu', (e) => e.preventDefault()); // the right button is W/L
    canvas.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    root.addEventListener('keydown', (e) => this.key(e));
    root.addEventListener('click', (e) => this.click(e));
    controls.slider.addEventListener('input', () => this.goTo(Number(controls.slider.value) - 1));
    controls.preset.addEventListener('change', () => {
      if (controls.preset.value !== '') this.applyPreset(Number(controls.preset.value));
    });
    controls.fps.addEventListener('change', () => {
      if (this.timer) { this.stop(); this.play(); }
    });
    new ResizeObserver(() => { if (!root.hidden) this.resize(); }).observe(canvas);
    addEventListener('popstate', () => {
      if (!root.hidden && location.hash !== '#viewer') {
        this.pushedHistory = false;
        this.hide();
      }
    });
  }

  click(e) {
    const button = e.target.closest('button');
    if (!button || !this.root.contains(button)) return;
    if (button.dataset.tool) return this.setTool(button.dataset.tool);
    if (button.dataset.series && button.closest('.viewer-series')) {
      return this.showSeries(button.dataset.manifestUrl, 0);
    }
    const actions = {
      close: () => this.close(),
      invert: () => this.invert(),
      reset: () => this.resetView(),
      fit: () => this.fit(),
      'actual-size': () => this.actualSize(),
      play: () => this.play(),
      help: () => this.toggleHelp(),
    };
    actions[button.dataset.action]?.();
  }

  setTool(tool) {
    this.tool = tool;
    this.root.querySelectorAll('button[data-tool]').forEach((button) => {
      button.setAttribute('aria-pressed', String(button.dataset.tool === tool));
    });
    this.canvas.dataset.tool = tool;
  }

  setPressed(action, pressed) {
    this.root.querySelector(`[data-action="${action}"]`)?.setAttribute('aria-pressed', String(pressed));
  }

  invert() {
    this.inverted = !this.inverted;
    this.setPressed('invert', this.inverted);
    this.requestRender('invert');
  }

  toggleHelp(show = this.controls.help.hidden) {
    this.controls.help.hidden = !show;
    this.setPressed('help', show);
    this.root.querySelector('[data-action="help"]')?.setAttribute('aria-expanded', String(show));
  }

  position(e) {
    const box = this.canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  }

  pointerDown(e) {
    if (!this.series || !this.view) return;
    try {
      this.canvas.setPointerCapture(e.pointerId); // keep the drag when it leaves the canvas
    } catch {
      // a pointer the browser no longer tracks: the drag works while over the canvas
    }
    const at = this.position(e);
    this.pointers.set(e.pointerId, at);
    if (this.pointers.size === 2) return this.startPinch();
    if (this.pointers.size > 2) return;
    let action = this.tool;
    if (e.pointerType !== 'touch' && e.button === 2) action = 'wl';
    if (e.pointerType !== 'touch' && e.button === 1) action = 'pan';
    this.drag = { action, last: at, start: at };
    if (action === 'measure') {
      const hit = this.lineAt(at.x, at.y);
      if (hit) {
        this.selected = hit;
        this.drag = null;
        this.showMeasurements();
        this.requestRender('measure');
        return;
      }
      const p = this.toImage(at.x, at.y);
      this.draft = { x1: p.x, y1: p.y, x2: p.x, y2: p.y };
    }
    e.preventDefault();
  }

  pointerMove(e) {
    if (!this.pointers.has(e.pointerId)) return;
    const at = this.position(e);
    this.pointers.set(e.pointerId, at);
    if (this.pinch) return this.movePinch();
    const drag = this.drag;
    if (!drag) return;
    const dx = at.x - drag.last.x;
    const dy = at.y - drag.last.y;
    drag.last = at;
    if (drag.action === 'wl') this.adjustWindow(dx, dy);
    else if (drag.action === 'pan') this.pan(dx, dy);
    else if (drag.action === 'zoom') this.zoomAt(drag.start.x, drag.start.y, Math.exp(-dy * 0.01));
    else if (drag.action === 'measure' && this.draft) {
      const p = this.toImage(at.x, at.y);
      Object.assign(this.draft, { x2: p.x, y2: p.y });
      this.requestRender('measure');
    }
  }

  pointerUp(e, cancelled = false) {
    if (!this.pointers.has(e.pointerId)) return;
    this.pointers.delete(e.pointerId);
    if (this.pinch) {
      if (this.pointers.size < 2) this.pinch = null;
      this.drag = null;
      return;
    }
    const drag = this.drag;
    this.drag = null;
    if (drag?.action === 'measure' && this.draft) {
      const draft = this.draft;
      this.draft = null;
      const a = this.toScreen(draft.x1, draft.y1);
      const b = this.toScreen(draft.x2, draft.y2);
      if (!cancelled && Math.hypot(b.x - a.x, b.y - a.y) >= 3) this.addMeasurement(draft);
      this.requestRender('measure');
    }
    if (e.pointerType === 'touch' && drag && !cancelled) this.tapped(drag);
  }

  tapped(drag) {
    const moved = Math.hypot(drag.last.x - drag.start.x, drag.last.y - drag.start.y);
    if (moved > 10) return;
    const now = performance.now();
    if (now - (this.lastTap || 0) < DOUBLE_TAP_MS) {
      this.lastTap = 0;
      this.resetView();
    } else {
      this.lastTap = now;
    }
  }

  startPinch() {
    this.drag = null;
    this.draft = null;
    const [a, b] = [...this.pointers.values()];
    this.pinch = { distance: Math.hypot(b.x - a.x, b.y - a.y) || 1, middle: midpoint(a, b) };
  }

  movePinch() {
    const [a, b] = [...this.pointers.values()];
    const distance = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const middle = midpoint(a, b);
    this.pan(middle.x - this.pinch.middle.x, middle.y - this.pinch.middle.y);
    this.zoomAt(middle.x, middle.y, distance / this.pinch.distance);
    this.pinch = { distance, middle };
  }

  wheel(e) {
    if (!this.series) return;
    e.preventDefault();
    const at = this.position(e);
    const delta = e.deltaMode === 1 ? e.deltaY * 40 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
    if (e.ctrlKey || e.metaKey) return this.zoomAt(at.x, at.y, Math.exp(-delta * 0.002));
    this.wheelRest = (this.wheelRest || 0) + delta;
    const steps = Math.trunc(this.wheelRest / WHEEL_STEP);
    if (!steps) return;
    this.wheelRest -= steps * WHEEL_STEP;
    this.step(Math.sign(steps) * Math.max(1, Math.round(Math.abs(steps) / 2)));
  }

  key(e) {
    if (e.key === 'Escape') {
      e.preventDefault();
      if (!this.controls.help.hidden) return this.toggleHelp(false);
      if (this.draft) { this.draft = null; return this.requestRender('measure'); }
      return this.close();
    }
    const field = e.target.closest('input, select, textarea');
    if (field || e.altKey || e.ctrlKey || e.metaKey || !this.series) return;
    const count = this.series.slices.length;
    const page = Math.max(1, Math.round(count / 10));
    const keys = {
      ArrowDown: () => this.step(1),
      ArrowRight: () => this.step(1),
      ArrowUp: () => this.step(-1),
      ArrowLeft: () => this.step(-1),
      PageDown: () => this.step(page),
      PageUp: () => this.step(-page),
      Home: () => this.goTo(0),
      End: () => this.goTo(count - 1),
      ' ': () => this.play(),
      i: () => this.invert(),
      r: () => this.resetView(),
      f: () => this.fit(),
      0: () => this.actualSize(),
      '+': () => this.zoomCentre(1.25),
      '=': () => this.zoomCentre(1.25),
      '-': () => this.zoomCentre(0.8),
      w: () => this.setTool('wl'),
      p: () => this.setTool('pan'),
      z: () => this.setTool('zoom'),
      m: () => this.setTool('measure'),
      a: () => this.applyPreset(this.presets.findIndex((p) => p.auto)),
      '?': () => this.toggleHelp(),
      Delete: () => this.selected && this.deleteMeasurement(this.selected),
      Backspace: () => this.selected && this.deleteMeasurement(this.selected),
    };
    const action = /^[1-9]$/.test(e.key) ? () => this.applyPreset(Number(e.key) - 1) : keys[e.key] || keys[e.key.toLowerCase()];
    if (!action) return;
    e.preventDefault();
    action();
  }

  zoomCentre(factor) {
    const box = this.canvas.getBoundingClientRect();
    this.zoomAt(box.width / 2, box.height / 2, factor);
  }

  status(text) {
    this.readouts.status.textContent = text || '';
  }
}

// The patient direction a unit vector points to, as up to two letters (the main one first).
function direction(vector, sign) {
  const parts = vector
    .map((value, axis) => ({ value: value * sign, axis }))
    .filter(({ value }) => Math.abs(value) > 0.3)
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .slice(0, 2);
  return parts.map(({ value, axis }) => LETTERS[axis][value > 0 ? 0 : 1]).join('');
}

function distanceToSegment(x, y, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const t = dx || dy ? Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / (dx * dx + dy * dy))) : 0;
  return Math.hypot(x - (a.x + t * dx), y - (a.y + t * dy));
}

function midpoint(a, b) {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

function round(value) {
  return Math.abs(value) < 10 && value % 1 ? value.toFixed(1) : Math.round(value);
}

const root = document.getElementById('viewer');
if (root) {
  const viewer = new Viewer(root);
  // A double-click on a case image (a tile, or the image enlarged on the page) opens the viewer.
  document.addEventListener('pointerdown', (e) => {
    const source = e.target.closest('[data-manifest-url]');
    if (source && !root.contains(source) && e.button === 0) viewer.prefetch(source.dataset);
  });
  document.addEventListener('dblclick', (e) => {
    const source = e.target.closest('[data-manifest-url]');
    if (!source || root.contains(source)) return;
    e.preventDefault();
    viewer.open(source.dataset);
  });
  // Keyboard and touch users open it with the View button beside each image.
  document.addEventListener('click', (e) => {
    const button = e.target.closest('button.open-viewer');
    if (button) viewer.open(button.dataset);
  });
  if (location.hash === '#viewer') history.replaceState(null, '', location.pathname + location.search);
}
