"""A tablet's fingers (real touch input through the browser's DevTools protocol), the memory
bound on a long stack, and the browser's decoder giving back exactly the values ingest stored."""

import numpy as np
import pytest

from dicom import pixelstore
from tests.browser import phantom
from tests.browser.viewer_page import Viewer, tile_of

pytestmark = pytest.mark.browser


class Fingers:
    """Touch points sent as the touchscreen would send them: the page sees pointer events of
    type "touch", one pointer per finger."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})

    def send(self, kind, points):
        touch_points = [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points)]
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})

    def pinch(self, centre, start_gap, end_gap, steps=8):
        x, y = centre
        self.send("touchStart", [(x - start_gap / 2, y), (x + start_gap / 2, y)])
        for step in range(1, steps + 1):
            gap = start_gap + (end_gap - start_gap) * step / steps
            self.send("touchMove", [(x - gap / 2, y), (x + gap / 2, y)])
        self.send("touchEnd", [])

    def tap(self, point):
        self.send("touchStart", [point])
        self.send("touchEnd", [])


def test_a_pinch_zooms_in_about_the_fingers(viewer, page):
    before = viewer.geometry()["scale"]
    centre = viewer.to_page(*phantom.BONE.centre)
    drawn = viewer.rendered

    Fingers(page).pinch(centre, 100, 200)

    viewer.wait_for_render(drawn)
    assert viewer.geometry()["scale"] == pytest.approx(2 * before, rel=0.05)
    # The point between the fingers stays under them.
    x, y = viewer.to_image(*centre)
    assert (x, y) == pytest.approx(phantom.BONE.centre, abs=1.5)


def test_a_double_tap_resets_the_view(viewer, page):
    fit = viewer.geometry()["scale"]
    viewer.press("+")
    viewer.press("+")
    page.wait_for_function(f"() => +document.querySelector('#viewer canvas').dataset.scale > {fit}")
    fingers = Fingers(page)
    point = viewer.to_page(*phantom.TISSUE.centre)

    fingers.tap(point)
    fingers.tap(point)

    page.wait_for_function(
        f"() => Math.abs(+document.querySelector('#viewer canvas').dataset.scale - {fit}) < 1e-6"
    )


def test_a_long_stack_holds_no_more_slices_than_its_memory_budget(page, phantom_case, ct_series):
    page.goto(phantom_case.get_absolute_url("standard"), wait_until="domcontentloaded")
    # 1 MiB holds 8 of the phantom's 128 KiB slices: the stack is 20.
    page.eval_on_selector("#viewer", "v => { v.dataset.memoryMib = '1'; }")
    viewer = Viewer(page)
    viewer.open(tile_of(page, ct_series))
    page.wait_for_selector("#viewer .viewer-progress[hidden]", state="attached")
    assert int(viewer.attribute("slices-held")) == 8

    for key in ("End", "Home"):
        viewer.press(key)
        viewer.wait_for_slice(0 if key == "Home" else phantom.SLICES - 1)
        page.wait_for_selector("#viewer .viewer-progress[hidden]", state="attached")
        assert int(viewer.attribute("slices-held")) == 8

    band = viewer.grey(*phantom.BAND.centre)  # slice 1, fetched again after it was dropped
    assert band == pytest.approx(phantom.grey(phantom.band_hu(0)), abs=4)


def test_the_browser_decodes_exactly_the_values_ingest_stored(viewer, page, ct_series):
    image = ct_series.images.order_by("position", "id")[7]
    stored = pixelstore.decode(image.pixels.read(), image.height, image.width, ct_series.signed)

    decoded = page.evaluate(
        """async ([url, rows, columns, signed]) => {
          const { decodeStoredValues } = await import('/static/viewer/pixels.js');
          const response = await fetch(url);
          const payload = new Uint8Array(await response.arrayBuffer());
          return Array.from(decodeStoredValues(payload, rows, columns, signed));
        }""",
        [f"/images/{image.pk}/pixels", image.height, image.width, ct_series.signed],
    )

    assert np.array_equal(np.array(decoded, dtype=stored.dtype).reshape(stored.shape), stored)
