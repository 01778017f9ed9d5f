'use strict';
// Case page images: a click enlarges an image on the page, a double-click opens it at full
// resolution. The two are told apart by waiting out the double-click interval before enlarging.
(function () {
  const stage = document.querySelector('.stage');
  const stageImage = document.createElement('img');
  stageImage.alt = 'Enlarged case image';
  if (stage) stage.appendChild(stageImage);
  const DOUBLE_CLICK_MS = 250;
  let pending = null;

  function enlarge(link) {
    stageImage.src = link.dataset.displayUrl;
    stageImage.dataset.fullUrl = link.dataset.fullUrl;
    stage.hidden = false;
    document.querySelectorAll('.case-image[aria-current]').forEach((el) => el.removeAttribute('aria-current'));
    link.setAttribute('aria-current', 'true');
  }

  function openFull(url) {
    window.location.assign(url);
  }

  document.querySelectorAll('.case-image').forEach((link) => {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      clearTimeout(pending);
      pending = setTimeout(() => enlarge(link), DOUBLE_CLICK_MS);
    });
    link.addEventListener('dblclick', (event) => {
      event.preventDefault();
      clearTimeout(pending);
      openFull(link.dataset.fullUrl);
    });
  });

  stageImage.addEventListener('dblclick', () => openFull(stageImage.dataset.fullUrl));
})();
