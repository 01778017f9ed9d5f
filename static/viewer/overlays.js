// What is shown around the image besides measurements: the loading or error message,
// orientation letters, the scale bar, the corner readouts, the series list, the toolbar's pressed
// states and the shortcuts overlay. Drawing functions take the canvas context, its CSS-pixel box and the view
// ({scale, x, y}: where the image's top-left corner lands and how many CSS pixels per pixel).
import { imageDirection, orientedSize, UPRIGHT } from './orientation.js';
import { pixelSpacing } from './measurements.js';
import { windowText } from './windowing.js';

const SCALE_BAR_LENGTHS = [1, 2, 5, 10, 20, 50, 100, 200, 500];
const LETTERS = [['L', 'R'], ['P', 'A'], ['H', 'F']]; // +x, -x; +y, -y; +z, -z (patient LPS)

// In place of a slice that is not ready: says it is loading, or why it failed.
export function drawMessage(ctx, box, slice) {
  const failed = slice.state === 'error';
  ctx.fillStyle = failed ? '#f88' : '#aaa';
  ctx.font = '16px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const text = failed
    ? `Image ${slice.index + 1} could not be loaded (${slice.error}).`
    : `Loading image ${slice.index + 1}…`;
  ctx.fillText(text, box.width / 2, box.height / 2);
}

// The patient direction at each edge of the image as shown (ImageOrientationPatient, through
// the turns and flip of orientation.js), kept on screen.
export function drawOrientation(ctx, box, slice, view, orientation = UPRIGHT) {
  const cosines = slice.image.orientation;
  if (!cosines || cosines.length !== 6) return;
  const row = cosines.slice(0, 3);
  const column = cosines.slice(3, 6);
  const { width, height } = slice.image;
  const shown = orientedSize(width, height, orientation);
  const { scale, x, y } = view;
  // The patient vector along a screen direction: the image direction it shows, by the cosines.
  const towards = (dx, dy) => {
    const { u, v } = imageDirection(dx, dy, width, height, orientation);
    return row.map((r, axis) => r * u + column[axis] * v);
  };
  const clampX = (v) => Math.min(box.width - 14, Math.max(14, v));
  const clampY = (v) => Math.min(box.height - 14, Math.max(14, v));
  const midX = clampX(x + (shown.width * scale) / 2);
  const midY = clampY(y + (shown.height * scale) / 2);
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
  letter(direction(towards(0, -1), 1), midX, clampY(y + 12));
  letter(direction(towards(0, 1), 1), midX, clampY(y + shown.height * scale - 12));
  letter(direction(towards(-1, 0), 1), clampX(x + 12), midY);
  letter(direction(towards(1, 0), 1), clampX(x + shown.width * scale - 12), midY);
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

// A round length (1 mm to 50 cm) no wider than 150 CSS pixels, bottom right.
export function drawScaleBar(ctx, box, spacing, view, orientation = UPRIGHT) {
  if (!spacing) return;
  // Across the screen run the image's rows (spacing[1], between columns) unless it is turned.
  const pxPerMm = view.scale / spacing[orientation.turns % 2 ? 0 : 1];
  const mm = [...SCALE_BAR_LENGTHS].reverse().find((l) => l * pxPerMm <= 150) || SCALE_BAR_LENGTHS[0];
  const length = mm * pxPerMm;
  const x = box.width - 20 - length;
  const y = box.height - 40;
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

// The corner readouts: window, zoom (in device pixels per image pixel), size and spacing.
export function showReadouts(readouts, series, slice, view) {
  readouts.wl.textContent = windowText(series.window, series.grey);
  readouts.zoom.textContent = `${Math.round(view.scale * (devicePixelRatio || 1) * 100)}%`;
  const { width, height } = slice.image;
  const spacing = pixelSpacing(slice, series.manifest);
  readouts.info.textContent = `${width} × ${height}` +
    (spacing ? ` · ${spacing[1].toFixed(2)} × ${spacing[0].toFixed(2)} mm` : '');
}

export function setPressed(root, action, pressed) {
  root.querySelector(`[data-action="${action}"]`)?.setAttribute('aria-pressed', String(pressed));
}

// The shortcuts overlay; without `show`, it toggles.
export function toggleHelp(root, help, show = help.hidden) {
  help.hidden = !show;
  setPressed(root, 'help', show);
  root.querySelector('[data-action="help"]')?.setAttribute('aria-expanded', String(show));
}

// One button per series on the page, in page order; labels come from the manifests, which hold
// only what the workflow may show. `manifest(url)` promises a series' manifest.
export function listSeries(nav, manifest) {
  const seen = new Map();
  document.querySelectorAll('.case-image[data-manifest-url]').forEach((tile) => {
    if (!seen.has(tile.dataset.series)) seen.set(tile.dataset.series, tile);
  });
  nav.replaceChildren(...[...seen.values()].map((tile, n) => seriesButton(tile, n, manifest)));
}

function seriesButton(tile, n, manifest) {
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
  manifest(tile.dataset.manifestUrl)
    .then(({ label: name }) => { label.textContent = name; })
    .catch(() => {});
  return button;
}
