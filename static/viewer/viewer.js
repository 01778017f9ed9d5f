// The case image viewer: window/level on real stored values, stack scrolling and cine, zoom and
// pan, rotate and flip, length measurement, orientation letters and a scale bar. Plain canvas 2D, no
// dependencies; docs/viewer.md says why. The case page's tiles open it with a double-click; their
// data-* attributes name the series manifest (viewer/manifest.py), which is all it is told.
// This module holds the viewer's state and its render loop; the other modules each own one
// concern: loading.js the stack, windowing.js the window maths and presets.js its menu,
// painting.js the image on the canvas, input.js the events, measurements.js, annotations.js and
// overlays.js what is shown over and around the image.
import { Annotations } from './annotations.js';
import { Input } from './input.js';
import { Slice, StackLoader } from './loading.js';
import { Measurements, pixelSpacing, spacingNote } from './measurements.js';
import {
  drawMessage, drawOrientation, drawScaleBar, listSeries, setPressed, showReadouts, toggleHelp,
} from './overlays.js';
import { fromDisplay, mirrored, orientedSize, toDisplay, turned, UPRIGHT } from './orientation.js';
import { fittedView, SlicePainter, zoomedView } from './painting.js';
import { WindowControl } from './presets.js';

class Viewer {
  constructor(root) {
    this.root = root;
    this.canvas = root.querySelector('.viewer-canvas');
    this.ctx = this.canvas.getContext('2d', { alpha: false }); // opaque: cheaper to composite
    this.painter = new SlicePainter();
    this.controls = {
      slider: root.querySelector('input[name="slice"]'),
      fps: root.querySelector('input[name="fps"]'),
      preset: root.querySelector('select[name="preset"]'),
      progress: root.querySelector('.viewer-progress'),
      series: root.querySelector('.viewer-series'),
      help: root.querySelector('.viewer-help'),
    };
    this.readouts = Object.fromEntries(
      [...root.querySelectorAll('[data-readout]')].map((el) => [el.dataset.readout, el]),
    );
    this.rendered = 0;
    this.frameRequested = false;
    this.orientation = UPRIGHT;
    this.loader = new StackLoader(this);
    this.windowing = new WindowControl(this, this.controls.preset);
    this.measurements = new Measurements(this, root.querySelector('.viewer-measurements'));
    this.annotations = new Annotations(this, root);
    new Input(this).bind();
    this.bindPage();
  }

  bindPage() {
    new ResizeObserver(() => { if (!this.root.hidden) this.resize(); }).observe(this.canvas);
    addEventListener('popstate', () => {
      if (!this.root.hidden && location.hash !== '#viewer') {
        this.pushedHistory = false;
        this.hide();
      }
    });
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
    this.dropSeries();
    this.root.hidden = true;
    this.toggleHelp(false);
    document.documentElement.classList.remove('viewer-open');
    this.returnFocus?.focus?.({ preventScroll: true });
  }

  dropSeries() {
    this.stop();
    this.loader.cancel();
    this.series?.slices.forEach((slice) => slice.forget());
    this.series = null;
  }

  listSeries() {
    listSeries(this.controls.series, (url) => this.loader.manifest(url));
  }

  async showSeries(url, index) {
    this.dropSeries();
    this.root.dataset.state = 'loading';
    this.status('Loading series…');
    let manifest;
    try {
      manifest = await this.loader.manifest(url);
    } catch (error) {
      this.root.dataset.state = 'error';
      this.status(`This series could not be loaded (${error.message}).`);
      return;
    }
    if (this.root.hidden) return;
    this.series = {
      manifest,
      grey: manifest.kind === 'grey',
      slices: manifest.images.map((image, n) => new Slice(image, n)),
      measurements: new Map(), // slice index -> [{x1, y1, x2, y2}] in image pixels
    };
    this.root.dataset.series = manifest.id;
    this.controls.series.querySelectorAll('button').forEach((button) => {
      button.setAttribute('aria-current', String(button.dataset.series === String(manifest.id)));
    });
    this.index = Math.min(Math.max(index, 0), manifest.images.length - 1);
    this.controls.slider.max = manifest.images.length;
    this.controls.slider.disabled = manifest.images.length < 2;
    this.windowing.build(this.series);
    this.annotations.prepare(manifest);
    this.resetView();
    this.status(spacingNote(manifest));
    this.goTo(this.index, 'series');
  }

  // --- window/level ------------------------------------------------------------------------------

  invert() {
    this.inverted = !this.inverted;
    setPressed(this.root, 'invert', this.inverted);
    this.requestRender('invert');
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
    this.measurements.selected = null;
    this.annotations.selected = null;
    this.measurements.showList();
    this.loader.pump();
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
    setPressed(this.root, 'play', true);
  }

  // A new frame rate takes effect at once if the stack is playing.
  restartCine() {
    if (this.timer) { this.stop(); this.play(); }
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    setPressed(this.root, 'play', false);
  }

  // --- view: zoom and pan ------------------------------------------------------------------------

  resetView() {
    this.inverted = false;
    this.orientation = UPRIGHT;
    setPressed(this.root, 'invert', false);
    if (this.series) this.windowing.reset(this.current());
    this.fit();
  }

  fit() {
    if (!this.series) return;
    const { width, height } = this.current().image;
    const shown = orientedSize(width, height, this.orientation);
    this.view = fittedView(this.canvas.getBoundingClientRect(), shown.width, shown.height);
    this.fitted = true;
    this.requestRender('zoom');
  }

  actualSize() {
    this.zoomCentre(1 / (devicePixelRatio || 1) / this.view.scale);
  }

  zoomCentre(factor) {
    const box = this.canvas.getBoundingClientRect();
    this.zoomAt(box.width / 2, box.height / 2, factor);
  }

  zoomAt(x, y, factor) {
    if (!this.view) return;
    this.view = zoomedView(this.view, x, y, factor);
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

  // Quarter turns clockwise (negative: anticlockwise) and a left-right flip, refitted.
  rotate(turns = 1) {
    this.orientation = turned(this.orientation, turns);
    this.fit();
  }

  flip() {
    this.orientation = mirrored(this.orientation);
    this.fit();
  }

  // Canvas CSS pixels to image pixels and back, through the view and the orientation.
  toImage(x, y) {
    const { width, height } = this.current().image;
    const { scale, x: left, y: top } = this.view;
    return fromDisplay((x - left) / scale, (y - top) / scale, width, height, this.orientation);
  }

  toScreen(u, v) {
    const { width, height } = this.current().image;
    const shown = toDisplay(u, v, width, height, this.orientation);
    return { x: shown.x * this.view.scale + this.view.x, y: shown.y * this.view.scale + this.view.y };
  }

  // --- drawing -----------------------------------------------------------------------------------

  // Redraws are coalesced to one per animation frame; the last reason asked is the one measured.
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
    const box = this.canvas.getBoundingClientRect();
    const ratio = this.canvas.width / Math.max(1, box.width);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const slice = this.current();
    if (slice.state === 'ready') this.drawSlice(slice);
    else this.drawMessage(slice, box);
    this.drawOverlays(slice, box);
    showReadouts(this.readouts, this.series, slice, this.view);
    const end = performance.now();
    performance.measure('viewer:render', { start, end, detail: { reason } });
    this.root.dataset.rendered = ++this.rendered;
    if (slice.state === 'ready' && this.awaitingFirstSlice) {
      this.awaitingFirstSlice = false;
      performance.measure('viewer:first-slice', 'viewer:open');
    }
  }

  drawSlice(slice) {
    const { manifest } = this.series;
    // The series' window starts as the first slice shown defines it, and stays while scrolling.
    if (!this.series.window) this.series.window = this.windowing.defaultWindow(slice);
    this.painter.draw(this.ctx, slice, this.view, {
      window: this.series.window,
      inverted: this.inverted,
      photometric: manifest.photometric,
      series: manifest.id,
    }, this.orientation);
    this.root.dataset.state = 'ready';
  }

  drawMessage(slice, box) {
    this.root.dataset.state = slice.state === 'error' ? 'error' : 'loading';
    drawMessage(this.ctx, box, slice);
  }

  drawOverlays(slice, box) {
    const canvas = this.canvas;
    canvas.dataset.scale = this.view.scale;
    canvas.dataset.offsetX = this.view.x;
    canvas.dataset.offsetY = this.view.y;
    canvas.dataset.imageWidth = slice.image.width;
    canvas.dataset.imageHeight = slice.image.height;
    canvas.dataset.turns = this.orientation.turns;
    canvas.dataset.flipped = this.orientation.flipped;
    if (slice.state !== 'ready') return;
    this.annotations.draw(this.ctx, slice);
    this.measurements.draw(this.ctx, slice);
    drawOrientation(this.ctx, box, slice, this.view, this.orientation);
    drawScaleBar(this.ctx, box, pixelSpacing(slice, this.series.manifest), this.view, this.orientation);
  }

  toggleHelp(show) {
    toggleHelp(this.root, this.controls.help, show);
  }

  status(text) {
    this.readouts.status.textContent = text || '';
  }
}

const root = document.getElementById('viewer');
if (root) {
  const viewer = new Viewer(root);
  // A double-click on a case image (a tile, or the image enlarged on the page) opens the viewer.
  document.addEventListener('pointerdown', (e) => {
    const source = e.target.closest('[data-manifest-url]');
    if (source && !root.contains(source) && e.button === 0) viewer.loader.prefetch(source.dataset);
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
