// The redaction page (templates/viewer/redaction.html): rectangles drawn with the mouse (or a
// finger) on a canvas over the frame, in the frame's own pixels, kept as JSON in the form's
// hidden "rectangles" field; OCR's proposals shown dashed until accepted or discarded.
'use strict';

(function () {
  const canvas = document.getElementById('redaction-canvas');
  if (!canvas) return;
  const field = document.querySelector('#redaction-form input[name="rectangles"]');
  const list = document.getElementById('redaction-list');
  const context = canvas.getContext('2d');
  let rectangles = parse(field.value) || [];
  let proposals = parse(document.getElementById('redaction-proposals').textContent) || [];
  let start = null;
  let draft = null;

  function parse(text) {
    try {
      const value = JSON.parse(text);
      return Array.isArray(value) ? value : null;
    } catch (error) {
      return null;
    }
  }

  // Where the pointer is, in the frame's pixels: the canvas may be shown smaller than it is.
  function pixelAt(event) {
    const box = canvas.getBoundingClientRect();
    const x = (event.clientX - box.left) * (canvas.width / box.width);
    const y = (event.clientY - box.top) * (canvas.height / box.height);
    return [Math.min(Math.max(Math.round(x), 0), canvas.width),
            Math.min(Math.max(Math.round(y), 0), canvas.height)];
  }

  function between(a, b) {
    return [Math.min(a[0], b[0]), Math.min(a[1], b[1]),
            Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])];
  }

  function draw() {
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.lineWidth = 2;
    context.setLineDash([]);
    context.fillStyle = 'rgba(0, 0, 0, 0.75)';
    context.strokeStyle = '#e33';
    for (const r of draft ? rectangles.concat([draft]) : rectangles) {
      context.fillRect(r[0], r[1], r[2], r[3]);
      context.strokeRect(r[0], r[1], r[2], r[3]);
    }
    context.setLineDash([6, 4]);
    context.strokeStyle = '#fc0';
    for (const r of proposals) context.strokeRect(r[0], r[1], r[2], r[3]);
  }

  function button(label, action) {
    const element = document.createElement('button');
    element.type = 'button';
    element.textContent = label;
    element.addEventListener('click', action);
    return element;
  }

  function row(text, ...buttons) {
    const item = document.createElement('li');
    item.append(text, ...buttons);
    list.append(item);
  }

  function describe(r) {
    return `${r[2]} × ${r[3]} pixels at ${r[0]}, ${r[1]} `;
  }

  function update() {
    field.value = rectangles.length ? JSON.stringify(rectangles) : '';
    list.replaceChildren();
    rectangles.forEach((r, n) => row('To black: ' + describe(r), button('Remove', () => {
      rectangles.splice(n, 1);
      update();
    })));
    proposals.forEach((r, n) => row('Proposed: ' + describe(r),
      button('Accept', () => { rectangles.push(proposals.splice(n, 1)[0]); update(); }),
      button('Discard', () => { proposals.splice(n, 1); update(); })));
    if (proposals.length > 1) {
      row('', button('Accept every proposal', () => {
        rectangles = rectangles.concat(proposals);
        proposals = [];
        update();
      }));
    }
    draw();
  }

  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    start = pixelAt(event);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!start) return;
    draft = between(start, pixelAt(event));
    draw();
  });
  canvas.addEventListener('pointerup', (event) => {
    if (!start) return;
    const r = between(start, pixelAt(event));
    start = draft = null;
    if (r[2] >= 1 && r[3] >= 1) rectangles.push(r);
    update();
  });
  update();
}());
