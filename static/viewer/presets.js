// The series' window and the preset menu that names it: the menu is built per series, shows the
// preset the window matches (or the hidden "Custom" once the reader drags), and applies a preset
// picked from it or by key. The maths is windowing.js's; this keeps series.window up to date.
import { autoWindow, draggedWindow, fileWindow, presetsFor } from './windowing.js';

export class WindowControl {
  constructor(viewer, select) {
    this.viewer = viewer;
    this.select = select;
    this.presets = [];
  }

  build({ manifest, grey }) {
    this.presets = presetsFor(manifest, grey);
    const custom = new Option('Custom', '');
    custom.hidden = true;
    this.select.replaceChildren(
      custom,
      ...this.presets.map((p, n) => new Option(n < 9 ? `${n + 1} ${p.name}` : p.name, String(n))),
    );
    this.select.disabled = !grey;
    this.select.value = '';
  }

  // The file's own window where it names one (shown as its preset if one matches), else Auto;
  // a colour picture starts as it is.
  defaultWindow(slice) {
    const { grey, manifest } = this.viewer.series;
    if (!grey) return { brightness: 100, contrast: 100 };
    const file = fileWindow(slice.image, manifest);
    if (!file) return autoWindow(slice.values, slice.image.rescale);
    const named = this.presets.findIndex((p) => p.center === file[0] && p.width === file[1]);
    this.select.value = named >= 0 ? String(named) : '';
    return { center: file[0], width: Math.max(1, file[1]) };
  }

  apply(n) {
    const series = this.viewer.series;
    const preset = this.presets[n];
    if (!preset || !series?.grey) return;
    const slice = this.viewer.current();
    if (preset.auto) {
      if (slice.state !== 'ready') return; // Auto needs the slice's values
      series.window = autoWindow(slice.values, slice.image.rescale);
    } else {
      series.window = { center: preset.center, width: preset.width };
    }
    this.select.value = String(n);
    this.viewer.requestRender('wl');
  }

  applyAuto() {
    this.apply(this.presets.findIndex((p) => p.auto));
  }

  drag(dx, dy, fine = false) {
    const series = this.viewer.series;
    if (!series?.window) return;
    series.window = draggedWindow(series.window, dx, dy, series.grey, fine);
    this.select.value = '';
    this.viewer.requestRender('wl');
  }

  // Back to the slice's default window, or none yet if it has not loaded (drawing sets it).
  reset(slice) {
    this.select.value = '';
    this.viewer.series.window = slice.state === 'ready' ? this.defaultWindow(slice) : null;
  }
}
