'use strict';
// Presenter mode for a case set: one case at a time, full window, for a projector and a clicker.
// →, PageDown or space: next; ←, PageUp: previous; R: reveal the next step (the unknown, then
// the findings, then diagnosis and discussion; the page holds steps only in standard);
// V: the images in the viewer; N: the owner's notes; Esc: leave. Swipes and the big buttons do
// the same on a touch screen. The URL follows the case and step (?case=3&step=2) so a reload, or
// a second screen opened on it, lands in the same place.
(function () {
  const root = document.getElementById('presenter');
  if (!root) return;
  const slides = [...root.querySelectorAll('.slide')];
  const steps = Number(root.dataset.steps) || 0;
  const stepLabel = root.querySelector('.presenter-step');
  const SWIPE_PX = 60;
  let current = 0;
  let step = 0;
  let notesShown = false;

  function clamp(value, low, high) {
    return Math.min(Math.max(Number.isFinite(value) ? value : low, low), high);
  }

  function fromUrl() {
    const params = new URLSearchParams(location.search);
    current = clamp(Number(params.get('case')) - 1, 0, Math.max(slides.length - 1, 0));
    step = clamp(Number(params.get('step')), 0, steps);
  }

  function toUrl() {
    const params = new URLSearchParams(location.search);
    params.set('case', String(current + 1));
    params.set('step', String(step));
    history.replaceState(history.state, '', `${location.pathname}?${params}`);
  }

  // An element with data-step shows from that step on; with data-until, up to that step.
  function shownAt(el) {
    const from = Number(el.dataset.step || 0);
    const until = el.dataset.until === undefined ? Infinity : Number(el.dataset.until);
    return step >= from && step <= until;
  }

  function render() {
    slides.forEach((slide, n) => { slide.hidden = n !== current; });
    const slide = slides[current];
    if (slide) {
      slide.querySelectorAll('[data-step], [data-until]').forEach((el) => { el.hidden = !shownAt(el); });
      slide.querySelectorAll('.slide-notes').forEach((el) => { el.hidden = !notesShown; });
    }
    root.dataset.case = String(current + 1);
    root.dataset.step = String(step);
    if (stepLabel) {
      const names = ['unknown', 'findings', 'diagnosis and discussion'];
      stepLabel.textContent = steps ? `Case ${current + 1}: ${names[step]}` : `Case ${current + 1}`;
    }
    toUrl();
  }

  function go(offset) {
    const next = clamp(current + offset, 0, slides.length - 1);
    if (next === current) return;
    current = next;
    step = 0;
    render();
  }

  function reveal() {
    if (step < steps) {
      step += 1;
      render();
    }
  }

  function openViewer() {
    const slide = slides[current];
    const buttons = slide ? [...slide.querySelectorAll('button.open-key-image')].filter((b) => !b.hidden) : [];
    if (buttons.length) buttons[buttons.length - 1].click(); // static/viewer/viewer.js opens it
  }

  function toggleNotes() {
    notesShown = !notesShown;
    root.querySelector('[data-action="notes"]')?.setAttribute('aria-pressed', String(notesShown));
    render();
  }

  function leave() {
    window.location.href = root.dataset.exitUrl;
  }

  const ACTIONS = {
    ArrowRight: () => go(1), PageDown: () => go(1), ' ': () => go(1),
    ArrowLeft: () => go(-1), PageUp: () => go(-1),
    r: reveal, R: reveal, v: openViewer, V: openViewer, Escape: leave,
  };
  if (root.querySelector('[data-action="notes"]')) Object.assign(ACTIONS, { n: toggleNotes, N: toggleNotes });
  const BUTTONS = { previous: () => go(-1), next: () => go(1), reveal, viewer: openViewer, notes: toggleNotes };

  function viewerOpen() {
    const viewer = document.getElementById('viewer');
    return viewer !== null && !viewer.hidden;
  }

  document.addEventListener('keydown', (event) => {
    const action = ACTIONS[event.key];
    if (!action || event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (viewerOpen()) return; // the viewer has keys of its own, Esc among them
    event.preventDefault();
    action();
  });

  root.querySelector('.presenter-controls').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) BUTTONS[button.dataset.action]();
  });

  // A horizontal swipe over the slide: left for the next case, right for the previous one.
  let start = null;
  root.addEventListener('touchstart', (event) => {
    start = event.touches.length === 1 ? event.touches[0] : null;
  }, { passive: true });
  root.addEventListener('touchend', (event) => {
    if (!start || viewerOpen()) return;
    const end = event.changedTouches[0];
    const dx = end.clientX - start.clientX;
    const dy = end.clientY - start.clientY;
    if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > 2 * Math.abs(dy)) go(dx < 0 ? 1 : -1);
    start = null;
  });

  fromUrl();
  render();
  root.focus({ preventScroll: true });
})();
