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
