// Length measurements: the line being drawn, the ones kept per slice (series.measurements, in
// image pixels, so they follow zoom and pan), the selected one, their list beside the image and
// their drawing on the canvas. Lengths are in mm where the image has a pixel spacing.

const HIT_RADIUS = 6; // px around a measurement line that selects it

// The image's [row, column] pixel spacing in mm, or null where it has none worth using.
export function pixelSpacing(slice, manifest) {
  const spacing = slice.image.spacing || manifest.pixel_spacing;
  return spacing && spacing.length === 2 && spacing[0] > 0 && spacing[1] > 0 ? spacing : null;
}

// What the status line says about lengths in this series, if anything.
export function spacingNote(manifest) {
  const known = manifest.pixel_spacing || manifest.images.some((image) => image.spacing);
  if (!known) return 'No pixel spacing in this file: lengths are in pixels.';
  return manifest.spacing_note ? `Lengths use ${manifest.spacing_note}.` : '';
}

export class Measurements {
  constructor(viewer, list) {
    this.viewer = viewer;
    this.list = list;
    this.selected = null;
    this.draft = null; // the line under the pointer, until it is let go
  }

  // The lines kept on the current slice.
  lines() {
    const { series, index } = this.viewer;
    return series?.measurements.get(index) || [];
  }

  // A press at (x, y) on the canvas selects the line there, or starts a new one.
  start(x, y) {
    const hit = this.lineAt(x, y);
    if (hit) {
      this.selected = hit;
      this.showList();
      this.viewer.requestRender('measure');
      return false;
    }
    const p = this.viewer.toImage(x, y);
    this.draft = { x1: p.x, y1: p.y, x2: p.x, y2: p.y };
    return true;
  }

  extend(x, y) {
    if (!this.draft) return;
    const p = this.viewer.toImage(x, y);
    Object.assign(this.draft, { x2: p.x, y2: p.y });
    this.viewer.requestRender('measure');
  }

  // Keeps the draft unless the press was cancelled or barely moved (a click, not a line).
  finish(cancelled) {
    const draft = this.draft;
    if (!draft) return;
    this.draft = null;
    const a = this.viewer.toScreen(draft.x1, draft.y1);
    const b = this.viewer.toScreen(draft.x2, draft.y2);
    if (!cancelled && Math.hypot(b.x - a.x, b.y - a.y) >= 3) this.add(draft);
    this.viewer.requestRender('measure');
  }

  discardDraft() {
    if (!this.draft) return false;
    this.draft = null;
    this.viewer.requestRender('measure');
    return true;
  }

  lineAt(x, y) {
    return this.lines().find((line) => {
      const a = this.viewer.toScreen(line.x1, line.y1);
      const b = this.viewer.toScreen(line.x2, line.y2);
      return distanceToSegment(x, y, a, b) <= HIT_RADIUS;
    });
  }

  add(line) {
    const { series, index } = this.viewer;
    const lines = this.lines();
    lines.push(line);
    series.measurements.set(index, lines);
    this.selected = line;
    this.showList();
  }

  remove(line) {
    const lines = this.lines();
    const at = lines.indexOf(line);
    if (at < 0) return;
    lines.splice(at, 1);
    if (this.selected === line) this.selected = null;
    this.showList();
    this.viewer.requestRender('measure');
  }

  lengthText(line, slice) {
    const spacing = pixelSpacing(slice, this.viewer.series.manifest);
    const dx = line.x2 - line.x1;
    const dy = line.y2 - line.y1;
    if (!spacing) return `${Math.hypot(dx, dy).toFixed(0)} px`;
    return `${Math.hypot(dx * spacing[1], dy * spacing[0]).toFixed(1)} mm`;
  }

  // The list beside the image: one item per line, each with its own delete button.
  showList() {
    const lines = this.lines();
    const slice = this.viewer.series && this.viewer.current();
    this.list.replaceChildren(...lines.map((line, n) => this.listItem(line, n, slice)));
    this.list.closest('.viewer-measurements-panel').hidden = !lines.length;
  }

  listItem(line, n, slice) {
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
    remove.addEventListener('click', () => this.remove(line));
    item.append(length, ' ', remove);
    if (this.viewer.series.manifest.annotate) item.append(' ', this.saveButton(line, n));
    return item;
  }

  // Who may annotate the case keeps a length as an annotation of the image.
  saveButton(line, n) {
    const save = document.createElement('button');
    save.type = 'button';
    save.dataset.action = 'save-measurement';
    save.textContent = 'Save';
    save.setAttribute('aria-label', `Save measurement ${n + 1} as an annotation`);
    save.addEventListener('click', async () => {
      if (await this.viewer.annotations.saveLength(line)) this.remove(line);
    });
    return save;
  }

  draw(ctx, slice) {
    const lines = [...(this.viewer.series.measurements.get(slice.index) || [])];
    if (this.draft) lines.push(this.draft);
    ctx.lineWidth = 1.5;
    ctx.font = '13px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    lines.forEach((line) => this.drawLine(ctx, line, slice));
  }

  drawLine(ctx, line, slice) {
    const a = this.viewer.toScreen(line.x1, line.y1);
    const b = this.viewer.toScreen(line.x2, line.y2);
    ctx.strokeStyle = ctx.fillStyle = line === this.selected ? '#4cf' : '#fd3';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    [a, b].forEach((p) => ctx.fillRect(p.x - 2, p.y - 2, 4, 4));
    const label = this.lengthText(line, slice);
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#000'; // outlined, to read on white (inverted) images too
    ctx.strokeText(label, Math.max(a.x, b.x) + 6, (a.y + b.y) / 2);
    ctx.fillText(label, Math.max(a.x, b.x) + 6, (a.y + b.y) / 2);
    ctx.lineWidth = 1.5;
  }
}

function distanceToSegment(x, y, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const t = dx || dy ? Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / (dx * dx + dy * dy))) : 0;
  return Math.hypot(x - (a.x + t * dx), y - (a.y + t * dy));
}
