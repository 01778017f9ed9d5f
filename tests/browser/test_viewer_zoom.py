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


# --- rotate and flip ---------------------------------------------------------------------------


def ramp_ends_on_screen(viewer):
    """The canvas points (CSS pixels) where the ramp's dark left end and bright right end are
    drawn, and their greys, upright."""
    y = (phantom.RAMP.y0 + phantom.RAMP.y1) // 2
    left, right = (phantom.RAMP.x0 + 4, y), (phantom.RAMP.x1 - 4, y)
    on_screen = [viewer.to_canvas(*left), viewer.to_canvas(*right)]
    return on_screen, [viewer.grey(*left), viewer.grey(*right)]


def grey_on_canvas(viewer, point):
    red, green, blue, _ = viewer.pixel_on_canvas(*point)
    return (red + green + blue) / 3


def test_flip_mirrors_the_image_left_to_right(viewer):
    (left_at, right_at), (dark, bright) = ramp_ends_on_screen(viewer)
    assert bright - dark > 50
    drawn = viewer.rendered
    viewer.press("h")
    viewer.wait_for_render(drawn)
    # The square image is fitted as before: the ends have changed places on screen.
    assert abs(grey_on_canvas(viewer, left_at) - bright) < 8
    assert abs(grey_on_canvas(viewer, right_at) - dark) < 8
    middle = (phantom.RAMP.y0 + phantom.RAMP.y1) // 2
    assert abs(viewer.grey(phantom.RAMP.x0 + 4, middle) - dark) < 8  # read through the flip


def test_rotate_turns_the_image_a_quarter_clockwise_and_reset_undoes_it(viewer):
    (left_at, _), (dark, bright) = ramp_ends_on_screen(viewer)
    drawn = viewer.rendered
    viewer.action("rotate").click()
    viewer.wait_for_render(drawn)
    # Clockwise, the image's top-left corner goes to the top right: the ramp runs top to bottom
    # near the right edge, dark at the top.
    y = (phantom.RAMP.y0 + phantom.RAMP.y1) // 2
    top = viewer.to_canvas(phantom.RAMP.x0 + 4, y)
    bottom = viewer.to_canvas(phantom.RAMP.x1 - 4, y)
    assert top[1] < bottom[1] and abs(top[0] - bottom[0]) < 1
    assert abs(grey_on_canvas(viewer, top) - dark) < 8
    assert abs(grey_on_canvas(viewer, bottom) - bright) < 8
    drawn = viewer.rendered
    viewer.press("r")
    viewer.wait_for_render(drawn)
    assert abs(grey_on_canvas(viewer, left_at) - dark) < 8


def test_a_length_measured_on_a_turned_image_is_still_right(viewer):
    drawn = viewer.rendered
    viewer.press("t")
    viewer.wait_for_render(drawn)
    viewer.tool("measure").click()
    viewer.drag((40, 128), (200, 128))  # 160 pixels of 0.5 mm, drawn up and down the screen
    assert viewer.lengths() == [(pytest.approx(80.0, abs=0.5), "mm")]
