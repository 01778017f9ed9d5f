'use strict';
// Keys of a case page: ←/→ or k/j go to the previous/next case of the current results, R goes
// to the answer (focuses the answer form, or reveals where there is no form), V opens the key
// image in the viewer, ? lists the keys.
// They stand down while the viewer is open (it has keys of its own) and while typing.
(function () {
  const KEYS = [
    ['← or k', 'Previous case in these results'],
    ['→ or j', 'Next case in these results'],
    ['r', 'Answer: type a diagnosis, or reveal'],
    ['v', 'Open the key image in the viewer'],
    ['?', 'Show or hide these keys'],
    ['Double-click an image', 'Open the viewer (its own keys: ? inside it)'],
  ];
  let help = null;

  function typing(target) {
    return target.closest('input, textarea, select, [contenteditable]') !== null;
  }

  function viewerOpen() {
    const viewer = document.getElementById('viewer');
    return viewer !== null && !viewer.hidden;
  }

  function follow(rel) {
    const link = document.querySelector(`a[rel="${rel}"]`);
    if (link) window.location.href = link.href;
  }

  function answer() {
    const field = document.querySelector('.answer-form input[name="diagnosis"]');
    if (field) {
      field.focus();
      return;
    }
    const reveal = document.querySelector('section.reveal form');
    if (reveal) reveal.requestSubmit();
  }

  function toggleHelp() {
    if (!help) {
      help = document.createElement('dialog');
      help.className = 'keys-help';
      help.setAttribute('aria-label', 'Keyboard shortcuts');
      const list = document.createElement('dl');
      KEYS.forEach(([key, what]) => {
        const term = document.createElement('dt');
        const kbd = document.createElement('kbd');
        kbd.textContent = key;
        term.appendChild(kbd);
        const description = document.createElement('dd');
        description.textContent = what;
        list.append(term, description);
      });
      const close = document.createElement('button');
      close.type = 'button';
      close.textContent = 'Close';
      close.addEventListener('click', () => help.close());
      help.append(list, close);
      document.body.appendChild(help);
    }
    if (help.open) help.close(); else help.showModal();
  }

  const ACTIONS = {
    ArrowLeft: () => follow('prev'), k: () => follow('prev'),
    ArrowRight: () => follow('next'), j: () => follow('next'),
    r: answer, R: answer, '?': toggleHelp,
    v: () => document.querySelector('button.open-key-image')?.click(),
  };

  document.addEventListener('keydown', (event) => {
    const action = ACTIONS[event.key];
    if (!action || event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (typing(event.target) || viewerOpen()) return;
    if (help && help.open && event.key !== '?') return;
    event.preventDefault();
    action();
  });
})();
