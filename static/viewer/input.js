// The reader's input: toolbar clicks, the left-button tool (W/L, pan, zoom, measure, annotate) with the
// right button always W/L and the middle always pan, the wheel, the keyboard, and touch (one
// finger the tool, two fingers pinch and pan, a double tap resets). It turns events into calls
// on the viewer and keeps only the state of a gesture in progress.

const WHEEL_STEP = 50; // wheel delta per slice: one mouse notch (100) is one slice or two
const DOUBLE_TAP_MS = 300;

export class Input {
  constructor(viewer) {
    this.viewer = viewer;
    this.tool = 'wl';
    this.pointers = new Map(); // pointer id -> last position on the canvas
    this.drag = null; // {action, start, last} of a one-pointer drag
    this.pinch = null; // {distance, middle} of a two-finger gesture
    this.wheelRest = 0; // wheel delta not yet turned into slices
    this.lastTap = 0;
  }

  bind() {
    const { canvas, root, controls } = this.viewer;
    canvas.addEventListener('pointerdown', (e) => this.pointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.pointerMove(e));
    canvas.addEventListener('pointerup', (e) => this.pointerUp(e));
    canvas.addEventListener('pointercancel', (e) => this.pointerUp(e, true));
    canvas.addEventListener('contextmenu', (e) => e.preventDefault()); // the right button is W/L
    canvas.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    root.addEventListener('keydown', (e) => this.key(e));
    root.addEventListener('click', (e) => this.click(e));
    controls.slider.addEventListener('input', () => this.viewer.goTo(Number(controls.slider.value) - 1));
    controls.preset.addEventListener('change', () => {
      if (controls.preset.value !== '') this.viewer.windowing.apply(Number(controls.preset.value));
    });
    controls.fps.addEventListener('change', () => this.viewer.restartCine());
  }

  click(e) {
    const viewer = this.viewer;
    const button = e.target.closest('button');
    if (!button || !viewer.root.contains(button)) return;
    if (button.dataset.tool) return this.setTool(button.dataset.tool);
    if (button.dataset.series && button.closest('.viewer-series')) {
      return viewer.showSeries(button.dataset.manifestUrl, 0);
    }
    const actions = {
      close: () => viewer.close(),
      invert: () => viewer.invert(),
      reset: () => viewer.resetView(),
      fit: () => viewer.fit(),
      'actual-size': () => viewer.actualSize(),
      rotate: () => viewer.rotate(),
      flip: () => viewer.flip(),
      play: () => viewer.play(),
      help: () => viewer.toggleHelp(),
      annotations: () => viewer.annotations.toggle(),
      more: () => toggleMore(button),
    };
    actions[button.dataset.action]?.();
  }

  setTool(tool) {
    this.tool = tool;
    this.viewer.root.querySelectorAll('button[data-tool]').forEach((button) => {
      button.setAttribute('aria-pressed', String(button.dataset.tool === tool));
    });
    this.viewer.canvas.dataset.tool = tool;
  }

  position(e) {
    const box = this.viewer.canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  }

  pointerDown(e) {
    const viewer = this.viewer;
    if (!viewer.series || !viewer.view) return;
    try {
      viewer.canvas.setPointerCapture(e.pointerId); // keep the drag when it leaves the canvas
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
    if (action === 'measure' && !viewer.measurements.start(at.x, at.y)) {
      this.drag = null; // the press selected a line: nothing to drag
      return;
    }
    if (action === 'annotate' && !viewer.annotations.start(at.x, at.y)) {
      this.drag = null; // the press selected a mark or placed a text
      return;
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
    const viewer = this.viewer;
    if (drag.action === 'wl') viewer.windowing.drag(dx, dy, e.shiftKey);
    else if (drag.action === 'pan') viewer.pan(dx, dy);
    else if (drag.action === 'zoom') viewer.zoomAt(drag.start.x, drag.start.y, Math.exp(-dy * 0.01));
    else if (drag.action === 'measure') viewer.measurements.extend(at.x, at.y);
    else if (drag.action === 'annotate') viewer.annotations.extend(at.x, at.y);
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
    if (drag?.action === 'measure') this.viewer.measurements.finish(cancelled);
    if (drag?.action === 'annotate') this.viewer.annotations.finish(cancelled);
    if (e.pointerType === 'touch' && drag && !cancelled) this.tapped(drag);
  }

  // A touch that barely moved is a tap; two within DOUBLE_TAP_MS reset the view.
  tapped(drag) {
    const moved = Math.hypot(drag.last.x - drag.start.x, drag.last.y - drag.start.y);
    if (moved > 10) return;
    const now = performance.now();
    if (now - this.lastTap < DOUBLE_TAP_MS) {
      this.lastTap = 0;
      this.viewer.resetView();
    } else {
      this.lastTap = now;
    }
  }

  startPinch() {
    this.drag = null;
    this.viewer.measurements.draft = null;
    const [a, b] = [...this.pointers.values()];
    this.pinch = { distance: Math.hypot(b.x - a.x, b.y - a.y) || 1, middle: midpoint(a, b) };
  }

  // The fingers' midpoint pans, their spread zooms about that midpoint.
  movePinch() {
    const [a, b] = [...this.pointers.values()];
    const distance = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const middle = midpoint(a, b);
    this.viewer.pan(middle.x - this.pinch.middle.x, middle.y - this.pinch.middle.y);
    this.viewer.zoomAt(middle.x, middle.y, distance / this.pinch.distance);
    this.pinch = { distance, middle };
  }

  wheel(e) {
    if (!this.viewer.series) return;
    e.preventDefault();
    const at = this.position(e);
    const delta = e.deltaMode === 1 ? e.deltaY * 40 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
    if (e.ctrlKey || e.metaKey) return this.viewer.zoomAt(at.x, at.y, Math.exp(-delta * 0.002));
    this.wheelRest += delta;
    const steps = Math.trunc(this.wheelRest / WHEEL_STEP);
    if (!steps) return;
    this.wheelRest -= steps * WHEEL_STEP;
    this.viewer.step(Math.sign(steps) * Math.max(1, Math.round(Math.abs(steps) / 2)));
  }

  key(e) {
    const viewer = this.viewer;
    if (e.key === 'Escape') {
      e.preventDefault();
      // The innermost thing first: the help, then a line being drawn, then the viewer.
      if (!viewer.controls.help.hidden) return viewer.toggleHelp(false);
      if (viewer.measurements.discardDraft() || viewer.annotations.discardDraft()) return;
      return viewer.close();
    }
    const field = e.target.closest('input, select, textarea');
    if (field || e.altKey || e.ctrlKey || e.metaKey || !viewer.series) return;
    const keys = this.keys();
    const action = /^[1-9]$/.test(e.key)
      ? () => viewer.windowing.apply(Number(e.key) - 1)
      : keys[e.key] || keys[e.key.toLowerCase()];
    if (!action) return;
    e.preventDefault();
    action();
  }

  keys() {
    const viewer = this.viewer;
    const count = viewer.series.slices.length;
    const page = Math.max(1, Math.round(count / 10));
    const { annotations, measurements } = viewer;
    const remove = () => {
      if (annotations.selected?.delete_url) annotations.remove(annotations.selected);
      else if (measurements.selected) measurements.remove(measurements.selected);
    };
    return {
      ArrowDown: () => viewer.step(1),
      ArrowRight: () => viewer.step(1),
      ArrowUp: () => viewer.step(-1),
      ArrowLeft: () => viewer.step(-1),
      PageDown: () => viewer.step(page),
      PageUp: () => viewer.step(-page),
      Home: () => viewer.goTo(0),
      End: () => viewer.goTo(count - 1),
      ' ': () => viewer.play(),
      i: () => viewer.invert(),
      t: () => viewer.rotate(1),
      T: () => viewer.rotate(-1),
      h: () => viewer.flip(),
      r: () => viewer.resetView(),
      f: () => viewer.fit(),
      0: () => viewer.actualSize(),
      '+': () => viewer.zoomCentre(1.25),
      '=': () => viewer.zoomCentre(1.25),
      '-': () => viewer.zoomCentre(0.8),
      w: () => this.setTool('wl'),
      p: () => this.setTool('pan'),
      z: () => this.setTool('zoom'),
      m: () => this.setTool('measure'),
      a: () => viewer.windowing.applyAuto(),
      A: () => annotations.toggle(), // Shift+A; plain A is the automatic window
      n: () => viewer.series.manifest.annotate && this.setTool('annotate'),
      '?': () => viewer.toggleHelp(),
      Delete: remove,
      Backspace: remove,
    };
  }
}

function midpoint(a, b) {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

// The More button of a phone's one-row toolbar: shows or hides the tools folded behind it.
function toggleMore(button) {
  const open = button.getAttribute('aria-expanded') !== 'true';
  button.setAttribute('aria-expanded', String(open));
}
