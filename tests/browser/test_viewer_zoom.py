"""Zoom and pan: ctrl+wheel zooms about the cursor, 1:1 shows one image pixel per screen pixel,
fit brings the whole image back, and a pan drag moves the image with the mouse."""

import pytest

from tests.browser import phantom

pytestmark = pytest.mark.browser


def test_ctrl_wheel_zooms_in_about_the_cursor(viewer):
    point = phantom.BONE.centre
    under_cursor = viewer.to_page(*point)
    scale = viewer.geometry()["scale"]
    zoom = viewer.readout("zoom")
    drawn = viewer.rendered
    viewer.wheel_over(point, -200, modifier="Control")
    viewer.wait_for_render(drawn)
    assert viewer.geometry()["scale"] > scale
    assert viewer.readout("zoom") != zoom
    x, y = viewer.to_image(*under_cursor)
    assert (x, y) == (pytest.approx(point[0], abs=1), pytest.approx(point[1], abs=1))


def test_actual_size_then_fit(viewer):
    fitted = viewer.geometry()["scale"]
    drawn = viewer.rendered
    viewer.action("actual-size").click()
    viewer.wait_for_render(drawn)
    assert viewer.geometry()["scale"] == pytest.approx(1)
    assert viewer.readout("zoom") == "100%"
    drawn = viewer.rendered
    viewer.action("fit").click()
    viewer.wait_for_render(drawn)
    assert viewer.geometry()["scale"] == pytest.approx(fitted)


def test_a_pan_drag_moves_the_image_with_the_mouse(viewer):
    viewer.tool("pan").click()
    before = viewer.geometry()
    drawn = viewer.rendered
    x, y = phantom.TISSUE.centre
    viewer.drag((x, y), (x + 20, y + 10))
    viewer.wait_for_render(drawn)
    after = viewer.geometry()
    assert after["x"] - before["x"] == pytest.approx(20 * before["scale"], abs=2)
    assert after["y"] - before["y"] == pytest.approx(10 * before["scale"], abs=2)


def test_plus_and_minus_zoom_in_and_out(viewer):
    scale = viewer.geometry()["scale"]
    drawn = viewer.rendered
    viewer.press("+")
    viewer.wait_for_render(drawn)
    zoomed = viewer.geometry()["scale"]
    assert zoomed > scale
    drawn = viewer.rendered
    viewer.press("-")
    viewer.wait_for_render(drawn)
    assert viewer.geometry()["scale"] < zoomed
