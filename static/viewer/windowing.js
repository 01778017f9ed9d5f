// Window/level as pure functions: no DOM, no viewer state. A grey window is {center, width} in
// rescaled units (PS3.3 C.11.2.1.2); a colour picture's is {brightness, contrast} in percent.

// The presets a series offers, in menu order: the manifest's (by modality), the file's own
// default window unless a preset already carries it, then Auto. Colour series have none.
export function presetsFor(manifest, grey) {
  const presets = [...(manifest.presets || [])];
  if (grey) {
    if (manifest.windows?.length && !presets.some((p) => p.name.startsWith('Default'))) {
      const [center, width] = manifest.windows[0];
      presets.push({ name: 'Default', center, width });
    }
    presets.push({ name: 'Auto', auto: true });
  }
  return presets;
}

// The window the file itself names for this image, [center, width], if any.
export function fileWindow(image, manifest) {
  return image.windows?.[0] || manifest.windows?.[0];
}

// Auto: the 1st to 99th percentile of this slice's values, after rescale.
export function autoWindow(values, rescale) {
  const step = Math.max(1, Math.floor(values.length / 65536));
  const sample = new Float64Array(Math.ceil(values.length / step));
  const [slope, intercept] = rescale || [1, 0];
  for (let i = 0, j = 0; i < values.length; i += step, j++) sample[j] = values[i] * slope + intercept;
  sample.sort();
  const low = sample[Math.floor(sample.length * 0.01)];
  const high = sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.99))];
  return { center: (low + high) / 2, width: Math.max(1, high - low) };
}

// The window after a drag of (dx, dy) screen pixels: right widens, down darkens. As on a
// workstation, a grey drag moves in proportion to the current window: the width by a factor
// (100 px right doubles it, 100 px left halves it, so it never collapses to 1), the level by a
// share of the width (100 px moves it by 40% of the window). `fine` (Shift) moves a fifth as fast.
export const WIDTH_DOUBLING_PX = 100;
export const LEVEL_SHARE_PER_PX = 0.004;
export const FINE = 0.2;

export function draggedWindow(win, dx, dy, grey, fine = false) {
  const speed = fine ? FINE : 1;
  if (!grey) {
    return {
      contrast: Math.min(400, Math.max(0, win.contrast + dx * 0.5 * speed)),
      brightness: Math.min(400, Math.max(0, win.brightness - dy * 0.5 * speed)),
    };
  }
  const width = Math.max(1, win.width * 2 ** ((dx * speed) / WIDTH_DOUBLING_PX));
  return { center: win.center - dy * speed * LEVEL_SHARE_PER_PX * win.width, width };
}

// A lookup table from stored value to an opaque grey RGBA pixel, over the values min..max: the
// per-pixel work is then one read and one write (PS3.3 C.11.2.1.2 linear VOI function).
export function lookupTable(min, max, rescale, { center, width }, inverted) {
  const [slope, intercept] = rescale || [1, 0];
  const table = new Uint32Array(max - min + 1);
  const low = center - 0.5 - (width - 1) / 2;
  const high = center - 0.5 + (width - 1) / 2;
  for (let i = 0; i < table.length; i++) {
    const x = (min + i) * slope + intercept;
    let grey = x <= low ? 0 : x > high ? 255 : Math.round(((x - (center - 0.5)) / (width - 1) + 0.5) * 255);
    if (inverted) grey = 255 - grey;
    table[i] = (0xff000000 | (grey * 0x010101)) >>> 0;
  }
  return table;
}

// The readout for a window: "W 400 L 40", or brightness and contrast for a colour picture.
export function windowText(win, grey) {
  if (win && grey) return `W ${round(win.width)} L ${round(win.center)}`;
  if (win) return `Brightness ${Math.round(win.brightness)}% Contrast ${Math.round(win.contrast)}%`;
  return '';
}

function round(value) {
  return Math.abs(value) < 10 && value % 1 ? value.toFixed(1) : Math.round(value);
}
