'use strict';
// Case page images: a click enlarges an image on the page; a double-click opens the viewer
// (static/viewer/viewer.js), so a click waits out the double-click interval before enlarging.
(function () {
  const stage = document.querySelector('.stage');
  const stageImage = document.createElement('img');
  stageImage.alt = 'Enlarged case image';
  if (stage) stage.appendChild(stageImage);
  const DOUBLE_CLICK_MS = 250;
  let pending = null;

  // A small picture (a 64 x 64 nuclear medicine frame) is enlarged by a whole factor, with
  // crisp pixels, to fill the stage as a large one does; a large one is only ever shrunk.
  stageImage.addEventListener('load', () => {
    stageImage.style.width = '';
    stageImage.classList.remove('pixelated');
    const room = Math.min(stage.clientWidth - 16, window.innerHeight * 0.8 * stageImage.naturalWidth / stageImage.naturalHeight);
    const factor = Math.floor(room / stageImage.naturalWidth);
    if (factor >= 2) {
      stageImage.style.width = `${stageImage.naturalWidth * factor}px`;
      stageImage.classList.add('pixelated');
    }
  });

  function enlarge(link) {
    stageImage.src = link.dataset.displayUrl;
    // The enlarged image opens the viewer on the same image when double-clicked.
    ['series', 'index', 'manifestUrl'].forEach((key) => { stageImage.dataset[key] = link.dataset[key]; });
    stage.hidden = false;
    document.querySelectorAll('.case-image[aria-current]').forEach((el) => el.removeAttribute('aria-current'));
    link.setAttribute('aria-current', 'true');
  }

  document.querySelectorAll('.case-image').forEach((link) => {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      clearTimeout(pending);
      pending = setTimeout(() => enlarge(link), DOUBLE_CLICK_MS);
    });
    link.addEventListener('dblclick', () => clearTimeout(pending));
  });
})();
