// Annotations: the marks a contributor drew on an image (arrow, line, ellipse, text label, a
// saved length), kept by the server per image in the image's own pixels, so they follow zoom,
// pan and slice. The standard manifest lists them, with where to post new ones for who may edit
// the case; an academic answer page names its own URL for them (data-annotations-url), since the
// academic manifest, shared by every reader, never holds them. Shift+A shows or hides them.
import { csrfToken } from '../accounts/csrf.js';
import { fetchChecked, fetchJson } from './fetch.js';
import { setPressed } from './overlays.js';

const HIT_RADIUS = 6; // px around a mark that selects it
const HEAD = 12; // px of an arrow's head
const MAX_LABEL = 80;

export class Annotations {
  constructor(viewer, root) {
    this.viewer = viewer;
    this.root = root;
    this.shown = true;
    this.selected = null;
    this.draft = null; // the mark under the pointer, until it is let go
    this.answer = null; // on an academic answer page: the promise of its annotations
    this.kind = root.querySelector('select[name="annotation-kind"]');
    this.tools = root.querySelector('[data-annotate-tools]');
  }

  // A new series: the tools for who may draw, and on an answer page its annotations.
  async prepare(manifest) {
    this.tools.hidden = !manifest.annotate;
    this.selected = this.draft = null;
    const source = document.querySelector('[data-annotations-url]');
    if (!source || manifest.annotate) return;
    this.answer ??= fetchJson(source.dataset.annotationsUrl).catch(() => ({ images: {} }));
    const { images } = await this.answer;
    manifest.images.forEach((image) => { image.annotations = images[image.id] || []; });
    this.viewer.requestRender('annotations');
  }

  marks(slice = this.viewer.current()) {
    return slice?.image.annotations || [];
  }

  toggle() {
    this.shown = !this.shown;
    if (!this.shown) this.selected = null;
    setPressed(this.root, 'annotations', this.shown);
    this.viewer.requestRender('annotations');
  }

  // A press at (x, y) selects the mark there; else a text asks for its label, and any other
  // kind starts a drag. True when a drag started.
  start(x, y) {
    const hit = this.shown && this.marks().find((mark) => this.hits(mark, x, y));
    if (hit) {
      this.selected = hit;
      this.viewer.requestRender('annotations');
      return false;
    }
    const p = this.viewer.toImage(x, y);
    if (this.kind.value === 'text') {
      const label = (prompt('Label') || '').trim().slice(0, MAX_LABEL);
      if (label) this.save({ kind: 'text', points: [[p.x, p.y]], label });
      return false;
    }
    this.draft = { kind: this.kind.value, points: [[p.x, p.y], [p.x, p.y]], label: '' };
    return true;
  }

  extend(x, y) {
    if (!this.draft) return;
    const p = this.viewer.toImage(x, y);
    this.draft.points[1] = [p.x, p.y];
    this.viewer.requestRender('annotations');
  }

  // Saves the draft unless the press was cancelled or barely moved (a click, not a mark).
  finish(cancelled) {
    const draft = this.draft;
    if (!draft) return;
    this.draft = null;
    const [a, b] = this.onScreen(draft);
    if (!cancelled && Math.hypot(b.x - a.x, b.y - a.y) >= 3) this.save(draft);
    this.viewer.requestRender('annotations');
  }

  discardDraft() {
    if (!this.draft) return false;
    this.draft = null;
    this.viewer.requestRender('annotations');
    return true;
  }

  // A measured length kept as an annotation of the image.
  saveLength(line) {
    return this.save({ kind: 'length', points: [[line.x1, line.y1], [line.x2, line.y2]], label: '' });
  }

  async save(mark) {
    const image = this.viewer.current().image;
    const points = mark.points.map(([x, y]) => [round(x), round(y)]);
    let saved = null;
    try {
      const response = await fetchChecked(image.annotations_url, post({ ...mark, points }));
      const { notice, ...drawn } = await response.json();
      saved = drawn;
      image.annotations = [...(image.annotations || []), saved];
      this.selected = saved;
      this.viewer.status(notice ? `Annotation saved. ${notice}` : 'Annotation saved.');
    } catch (error) {
      this.viewer.status(`The annotation was not saved (${error.message}).`);
    }
    this.viewer.requestRender('annotations');
    return saved;
  }

  async remove(mark) {
    const image = this.viewer.current().image;
    try {
      const response = await fetchChecked(mark.delete_url, post());
      // 200 says the deletion took the case back to review (a contributor's published case).
      const { notice } = response.status === 200 ? await response.json() : {};
      image.annotations = image.annotations.filter((kept) => kept !== mark);
      if (this.selected === mark) this.selected = null;
      this.viewer.status(notice ? `Annotation deleted. ${notice}` : 'Annotation deleted.');
    } catch (error) {
      this.viewer.status(`The annotation was not deleted (${error.message}).`);
    }
    this.viewer.requestRender('annotations');
  }

  onScreen(mark) {
    return mark.points.map(([x, y]) => this.viewer.toScreen(x, y));
  }

  hits(mark, x, y) {
    const [a, b] = this.onScreen(mark);
    if (mark.kind === 'text') return Math.abs(x - a.x - 40) <= 44 && Math.abs(y - a.y) <= 12;
    if (mark.kind === 'ellipse') {
      return between(x, a.x, b.x, HIT_RADIUS) && between(y, a.y, b.y, HIT_RADIUS);
    }
    return distanceToSegment(x, y, a, b) <= HIT_RADIUS;
  }

  draw(ctx, slice) {
    const marks = this.shown ? [...this.marks(slice)] : [];
    this.root.dataset.annotations = this.shown ? String(marks.length) : 'hidden';
    if (this.draft) marks.push(this.draft);
    ctx.save();
    ctx.lineWidth = 2;
    ctx.lineJoin = ctx.lineCap = 'round';
    ctx.font = 'bold 14px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    marks.forEach((mark) => this.drawMark(ctx, mark, slice));
    ctx.restore();
  }

  drawMark(ctx, mark, slice) {
    const points = this.onScreen(mark);
    ctx.strokeStyle = ctx.fillStyle = mark === this.selected ? '#4cf' : '#ff3';
    SHAPES[mark.kind]?.(ctx, points);
    const label = mark.kind === 'length' ? this.viewer.measurements.lengthText(line(mark), slice) : mark.label;
    if (label) outlinedText(ctx, label, points[points.length - 1], mark.kind === 'text' ? 0 : 8);
  }
}

const SHAPES = {
  arrow(ctx, [tail, head]) {
    segment(ctx, tail, head);
    const angle = Math.atan2(head.y - tail.y, head.x - tail.x);
    ctx.beginPath();
    ctx.moveTo(head.x, head.y);
    [-0.45, 0.45].forEach((turn) => {
      ctx.lineTo(head.x - HEAD * Math.cos(angle + turn), head.y - HEAD * Math.sin(angle + turn));
    });
    ctx.closePath();
    ctx.fill();
  },
  line(ctx, [a, b]) {
    segment(ctx, a, b);
  },
  length(ctx, [a, b]) {
    segment(ctx, a, b);
    [a, b].forEach((p) => ctx.fillRect(p.x - 2, p.y - 2, 4, 4));
  },
  ellipse(ctx, [a, b]) {
    ctx.beginPath();
    const rx = Math.abs(b.x - a.x) / 2;
    const ry = Math.abs(b.y - a.y) / 2;
    ctx.ellipse((a.x + b.x) / 2, (a.y + b.y) / 2, rx, ry, 0, 0, 2 * Math.PI);
    ctx.stroke();
  },
  text() {}, // the label alone
};

function segment(ctx, a, b) {
  ctx.beginPath();
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(b.x, b.y);
  ctx.stroke();
}

// Outlined, to read on white (inverted) images too.
function outlinedText(ctx, text, at, offset) {
  const fill = ctx.fillStyle;
  ctx.lineWidth = 3;
  ctx.strokeStyle = '#000';
  ctx.strokeText(text, at.x + offset, at.y);
  ctx.fillStyle = fill;
  ctx.fillText(text, at.x + offset, at.y);
  ctx.lineWidth = 2;
}

function line(mark) {
  const [[x1, y1], [x2, y2]] = mark.points;
  return { x1, y1, x2, y2 };
}

function post(body) {
  const headers = { 'X-CSRFToken': csrfToken() };
  if (body === undefined) return { method: 'POST', headers };
  return { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

function round(n) {
  return Math.round(n * 10) / 10;
}

function between(v, a, b, margin) {
  return v >= Math.min(a, b) - margin && v <= Math.max(a, b) + margin;
}

function distanceToSegment(x, y, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const t = dx || dy ? Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / (dx * dx + dy * dy))) : 0;
  return Math.hypot(x - (a.x + t * dx), y - (a.y + t * dy));
}
