"""Window/level on the real stored values: drags, presets (menu and number keys), invert and reset,
checked on the readout and on the canvas' pixels against the phantom's known Hounsfield units."""

import re

import pytest

from tests.browser import phantom

pytestmark = pytest.mark.browser

RAMP_POINTS = [(x, phantom.RAMP.centre[1]) for x in range(40, 240, 40)]


def window_of(viewer):
    found = re.fullmatch(r"W (-?\d+(?:\.\d+)?) L (-?\d+(?:\.\d+)?)", viewer.readout("wl"))
    assert found, f"W/L readout {viewer.readout('wl')!r} is not like 'W 400 L 40'"
    return float(found.group(1)), float(found.group(2))


def choose_preset(viewer, name):
    text, _ = viewer.preset_named(name)
    drawn = viewer.rendered
    viewer.page.locator('#viewer select[name="preset"]').select_option(label=text)
    viewer.wait_for_render(drawn)


def right_drag(viewer, dx, dy):
    """A right-button drag from the tissue square by (dx, dy) image pixels."""
    x, y = phantom.TISSUE.centre
    viewer.drag((x, y), (x + dx, y + dy), "right")


def test_a_right_button_drag_changes_the_window_readout_and_the_pixels(viewer):
    assert viewer.readout("wl") == "W 400 L 40"
    before = [viewer.grey(*point) for point in RAMP_POINTS]
    drawn = viewer.rendered
    right_drag(viewer, 60, -40)
    viewer.wait_for_render(drawn)
    assert viewer.readout("wl") != "W 400 L 40"
    after = [viewer.grey(*point) for point in RAMP_POINTS]
    assert max(abs(a - b) for a, b in zip(after, before, strict=True)) > 10, (before, after)


def screen_drag(viewer, dx, dy, modifier=None):
    """A right-button drag of (dx, dy) screen pixels from the tissue square."""
    x, y = viewer.to_page(*phantom.TISSUE.centre)
    drawn = viewer.rendered
    viewer.drag_on_screen((x, y), (x + dx, y + dy), "right", modifier)
    viewer.wait_for_render(drawn)
    return window_of(viewer)


def test_a_window_drag_moves_in_proportion_to_the_window(viewer):
    """100 px left halves the window instead of collapsing it; 100 px right doubles it back."""
    assert window_of(viewer) == (400, 40)
    width, _ = screen_drag(viewer, -100, 0)
    assert width == pytest.approx(200, abs=2)
    width, _ = screen_drag(viewer, 100, 0)
    assert width == pytest.approx(400, abs=4)
    _, level = screen_drag(viewer, 0, -50)  # up raises the level, by a share of the window
    assert level == pytest.approx(40 + 50 * 0.004 * 400, abs=3)


def test_shift_makes_a_window_drag_fine(viewer):
    width, _ = screen_drag(viewer, -100, 0, modifier="Shift")
    assert width == pytest.approx(400 * 2 ** -0.2, abs=2)  # a fifth of a halving


def test_the_window_drawn_is_the_window_shown(viewer):
    """After a drag, the tissue square has the grey the readout's window gives -60 HU."""
    drawn = viewer.rendered
    right_drag(viewer, -30, 50)
    viewer.wait_for_render(drawn)
    width, level = window_of(viewer)
    expected = phantom.grey(phantom.TISSUE_HU, level, width)
    assert viewer.grey(*phantom.TISSUE.centre) == pytest.approx(expected, abs=4)


def test_a_right_button_drag_changes_the_window_whatever_the_tool(viewer):
    viewer.tool("pan").click()
    assert viewer.tool("pan").get_attribute("aria-pressed") == "true"
    drawn = viewer.rendered
    right_drag(viewer, 60, 0)
    viewer.wait_for_render(drawn)
    assert viewer.readout("wl") != "W 400 L 40"


def test_the_ct_presets_are_offered(viewer):
    names = " ".join(viewer.presets()).lower()
    for preset in ("default", "auto", "brain", "subdural", "stroke", "lung", "mediastinum",
                   "abdomen", "liver", "bone"):
        assert preset in names, f"no {preset} preset in {viewer.presets()}"


def test_a_preset_from_the_menu_sets_its_window(viewer):
    choose_preset(viewer, "Lung")
    assert viewer.readout("wl") == "W 1500 L -600"
    expected = phantom.grey(phantom.TISSUE_HU, -600, 1500)
    assert viewer.grey(*phantom.TISSUE.centre) == pytest.approx(expected, abs=3)


def test_a_number_key_sets_the_preset_in_that_menu_position(viewer):
    _, position = viewer.preset_named("Brain")
    assert position < 9, "the brain preset is not on a number key"
    drawn = viewer.rendered
    viewer.press(str(position + 1))
    viewer.wait_for_render(drawn)
    assert viewer.readout("wl") == "W 80 L 40"
    expected = phantom.grey(phantom.TISSUE_HU, 40, 80)  # below the window: black
    assert viewer.grey(*phantom.TISSUE.centre) == pytest.approx(expected, abs=3)


def test_invert_inverts_the_pixels(viewer):
    points = [phantom.TISSUE.centre, phantom.BONE.centre, (4, 4), *RAMP_POINTS]
    before = [viewer.grey(*point) for point in points]
    drawn = viewer.rendered
    viewer.press("i")
    viewer.wait_for_render(drawn)
    after = [viewer.grey(*point) for point in points]
    for point, was, now in zip(points, before, after, strict=True):
        assert now == pytest.approx(255 - was, abs=2), f"image pixel {point}: {was} -> {now}"
    drawn = viewer.rendered
    viewer.action("invert").click()
    viewer.wait_for_render(drawn)
    assert viewer.grey(*phantom.TISSUE.centre) == pytest.approx(before[0], abs=2)


def test_reset_restores_the_files_window(viewer):
    choose_preset(viewer, "Bone")
    assert viewer.readout("wl") != "W 400 L 40"
    drawn = viewer.rendered
    viewer.press("r")
    viewer.wait_for_render(drawn)
    assert viewer.readout("wl") == "W 400 L 40"
