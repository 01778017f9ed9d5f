'use strict';
// On a phone, browse's filters start folded behind their "Filters (n)" button, so the first
// screen shows cases; run as soon as the panel is parsed, before the page is first drawn.
(function () {
  const panel = document.querySelector('details.filter-panel');
  if (panel && window.matchMedia('(max-width: 700px)').matches) panel.open = false;
})();
