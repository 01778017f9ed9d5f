"""The viewer as the tests see it: the DOM contract of static/viewer/viewer.js, read and driven
through Playwright. Image pixel (x, y) is at canvas CSS pixel (x * scale + offsetX, y * scale +
offsetY), from the canvas' data-scale, data-offset-x and data-offset-y."""

import re

ROOT = "#viewer"
CANVAS = "#viewer canvas.viewer-canvas"

# The canvas pixel (RGBA) under an image pixel's centre, through the backing store's own scale.
_SAMPLE_CSS = """([cssX, cssY]) => {
  const canvas = document.querySelector('#viewer canvas.viewer-canvas');
  const box = canvas.getBoundingClientRect();
  const backX = Math.floor(cssX * canvas.width / box.width);
  const backY = Math.floor(cssY * canvas.height / box.height);
  return Array.from(canvas.getContext('2d').getImageData(backX, backY, 1, 1).data);
}"""

_WHOLE_CANVAS = """() => {
  const canvas = document.querySelector('#viewer canvas.viewer-canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let hash = 0;  // a cheap fingerprint: equal fingerprints mean the same picture here
  for (let i = 0; i < data.length; i += 7) hash = (hash * 31 + data[i]) | 0;
  return hash;
}"""


class Viewer:
    def __init__(self, page):
        self.page = page
        self.root = page.locator(ROOT)
        self.canvas = page.locator(CANVAS)

    # --- opening and closing ------------------------------------------------------------------

    def tiles(self):
        return self.page.locator("a.case-image")

    def dicom_tile(self):
        """The CT series' tile: the one whose series has more than one image."""
        return self.page.locator("a.case-image").first

    def open(self, tile):
        """Double-click a tile; return once its image is on the canvas."""
        series, index = tile.get_attribute("data-series"), tile.get_attribute("data-index")
        tile.dblclick()
        self.page.wait_for_function(
            """([series, index]) => {
              const v = document.querySelector('#viewer');
              return v && !v.hidden && v.dataset.series === series && v.dataset.slice === index
                && v.dataset.state === 'ready' && +v.dataset.rendered > 0;
            }""",
            arg=[series, index],
        )

    def is_open(self):
        return self.root.evaluate("v => !v.hidden")

    def wait_closed(self):
        self.page.wait_for_function("() => document.querySelector('#viewer').hidden")

    # --- state ----------------------------------------------------------------------------------

    def attribute(self, name):
        return self.root.get_attribute(f"data-{name}")

    @property
    def slice(self):
        return int(self.attribute("slice"))

    @property
    def rendered(self):
        return int(self.attribute("rendered") or 0)

    def readout(self, name):
        return " ".join(self.page.locator(f'#viewer [data-readout="{name}"]').inner_text().split())

    def wait_for_readout(self, name, pattern):
        self.page.wait_for_function(
            """([name, pattern]) => {
              const el = document.querySelector(`#viewer [data-readout="${name}"]`);
              return el && new RegExp(pattern).test(el.textContent.replace(/\\s+/g, ' ').trim());
            }""",
            arg=[name, pattern],
        )

    def wait_for_render(self, after, state="ready"):
        """Until the canvas was drawn again since the count `after`, and the slice is `state`."""
        self.page.wait_for_function(
            """([after, state]) => {
              const v = document.querySelector('#viewer');
              return +v.dataset.rendered > after && v.dataset.state === state;
            }""",
            arg=[after, state],
        )

    def wait_for_slice(self, index, state="ready", after=None):
        """Until slice `index` is shown in `state`, by a draw since the count `after` when given
        (data-slice changes at once, data-state with the next draw)."""
        self.page.wait_for_function(
            """([index, state, after]) => {
              const v = document.querySelector('#viewer');
              return v.dataset.slice === String(index) && v.dataset.state === state
                && (after === null || +v.dataset.rendered > after);
            }""",
            arg=[index, state, after],
        )

    # --- the canvas -----------------------------------------------------------------------------

    def geometry(self):
        return self.canvas.evaluate(
            """c => {
              const box = c.getBoundingClientRect();
              return {left: box.left, top: box.top, scale: +c.dataset.scale,
                      x: +c.dataset.offsetX, y: +c.dataset.offsetY,
                      turns: +(c.dataset.turns || 0), flipped: c.dataset.flipped === 'true',
                      width: +(c.dataset.imageWidth || 0), height: +(c.dataset.imageHeight || 0)};
            }"""
        )

    def to_page(self, x, y):
        """Where image pixel (x, y)'s centre is, in page coordinates for the mouse."""
        g = self.geometry()
        css_x, css_y = self.to_canvas(x, y, g)
        return g["left"] + css_x, g["top"] + css_y

    def to_canvas(self, x, y, g=None):
        """Where image pixel (x, y)'s centre is on the canvas, in CSS pixels, through the view's
        turns and flip (static/viewer/orientation.js)."""
        g = g or self.geometry()
        width, height = g["width"], g["height"]
        u, v = x + 0.5, y + 0.5
        turns = g["turns"]
        if turns == 1:
            u, v = height - v, u
        elif turns == 2:
            u, v = width - u, height - v
        elif turns == 3:
            u, v = v, width - u
        if g["flipped"]:
            u = (height if turns % 2 else width) - u
        return u * g["scale"] + g["x"], v * g["scale"] + g["y"]

    def to_image(self, page_x, page_y):
        g = self.geometry()
        assert not g["turns"] and not g["flipped"], "to_image reads an upright view only"
        return (
            (page_x - g["left"] - g["x"]) / g["scale"] - 0.5,
            (page_y - g["top"] - g["y"]) / g["scale"] - 0.5,
        )

    def pixel(self, x, y):
        """The canvas' RGBA under image pixel (x, y)."""
        return self.page.evaluate(_SAMPLE_CSS, list(self.to_canvas(x, y)))

    def pixel_on_canvas(self, css_x, css_y):
        """The canvas' RGBA at a point of the canvas, in CSS pixels."""
        return self.page.evaluate(_SAMPLE_CSS, [css_x, css_y])

    def grey(self, x, y):
        red, green, blue, _ = self.pixel(x, y)
        return (red + green + blue) / 3

    def fingerprint(self):
        return self.page.evaluate(_WHOLE_CANVAS)

    # --- input ----------------------------------------------------------------------------------

    def drag(self, start, end, button="left", modifier=None):
        """A drag between two image pixels, in ten steps, holding modifier (e.g. "Shift")."""
        self.drag_on_screen(self.to_page(*start), self.to_page(*end), button, modifier)

    def drag_on_screen(self, start, end, button="left", modifier=None):
        """A drag between two points of the page, in ten steps."""
        mouse = self.page.mouse
        mouse.move(*start)
        if modifier:
            self.page.keyboard.down(modifier)
        mouse.down(button=button)
        mouse.move(*end, steps=10)
        mouse.up(button=button)
        if modifier:
            self.page.keyboard.up(modifier)

    def wheel_over(self, image_point, delta_y, modifier=None):
        self.page.mouse.move(*self.to_page(*image_point))
        if modifier:
            self.page.keyboard.down(modifier)
        self.page.mouse.wheel(0, delta_y)
        if modifier:
            self.page.keyboard.up(modifier)

    def press(self, key):
        self.page.keyboard.press(key)

    def action(self, name):
        return self.page.locator(f'#viewer [data-action="{name}"]')

    def tool(self, name):
        return self.page.locator(f'#viewer button[data-tool="{name}"]')

    # --- measurements ---------------------------------------------------------------------------

    def measurements(self):
        return self.page.locator("#viewer .viewer-measurements li")

    def lengths(self):
        """Each listed measurement as (number, unit)."""
        texts = self.page.locator("#viewer .viewer-measurements li [data-length]").all_inner_texts()
        found = [re.fullmatch(r"\s*([\d.]+)\s*(mm|px)\s*", text) for text in texts]
        assert all(found), f"lengths not like '50.0 mm': {texts}"
        return [(float(m.group(1)), m.group(2)) for m in found]

    # --- presets --------------------------------------------------------------------------------

    def presets(self):
        """The preset names in menu order: the options that choose a preset (a placeholder such
        as "Custom", with an empty value, does not), without a leading key number ("1 Brain")."""
        texts = self.page.locator('#viewer select[name="preset"] option').evaluate_all(
            "options => options.filter(o => o.value !== '').map(o => o.textContent)"
        )
        return [re.sub(r"^\s*\d\s+", "", text).strip() for text in texts]

    def preset_named(self, name):
        """The option label and its menu position (0-based) of the preset called `name`."""
        labels = self.page.locator('#viewer select[name="preset"] option').evaluate_all(
            "options => options.filter(o => o.value !== '').map(o => o.textContent)"
        )
        for position, text in enumerate(self.presets()):
            if text.lower() == name.lower() or text.lower().startswith(name.lower() + " "):
                return labels[position], position
        raise AssertionError(f"no preset named {name!r} in {self.presets()}")


def tile_of(page, series):
    return page.locator(f'a.case-image[data-series="{series.pk}"]')
