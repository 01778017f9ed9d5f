"""Length measurements: millimetres from PixelSpacing (the phantom's is 0.5 mm), several per
slice, deleting one, and pixels with a warning where the image has no spacing."""

import pytest

from tests.browser import phantom
from tests.browser.viewer_page import Viewer, tile_of

pytestmark = pytest.mark.browser

# 60 and 80 pixels apart: 100 pixels, 50 mm at 0.5 mm a pixel; both axes' spacing counts.
START, END = (40, 60), (100, 140)
SHORT = ((160, 120), (220, 120))  # 60 pixels: 30 mm


def measure(viewer, start, end):
    count = viewer.measurements().count()
    viewer.drag(start, end)
    viewer.page.wait_for_function(
        f"() => document.querySelectorAll('#viewer .viewer-measurements li').length > {count}"
    )


def test_a_measurement_on_the_phantom_reads_its_length_in_millimetres(viewer):
    viewer.press("m")
    assert viewer.tool("measure").get_attribute("aria-pressed") == "true"
    measure(viewer, START, END)
    [(length, unit)] = viewer.lengths()
    assert unit == "mm"
    assert length == pytest.approx(50.0, abs=0.5)


def test_the_measure_button_measures_too(viewer):
    viewer.tool("measure").click()
    measure(viewer, *SHORT)
    assert viewer.lengths() == [(pytest.approx(30.0, abs=0.5), "mm")]


def test_several_measurements_are_listed_and_one_can_be_deleted(viewer):
    viewer.press("m")
    measure(viewer, START, END)
    measure(viewer, *SHORT)
    assert sorted(viewer.lengths()) == [
        (pytest.approx(30.0, abs=0.5), "mm"),
        (pytest.approx(50.0, abs=0.5), "mm"),
    ]
    first = viewer.measurements().first
    kept = 30.0 if first.locator("[data-length]").inner_text().startswith("5") else 50.0
    first.locator('button[data-action="delete-measurement"]').click()
    viewer.page.wait_for_function(
        "() => document.querySelectorAll('#viewer .viewer-measurements li').length === 1"
    )
    assert viewer.lengths() == [(pytest.approx(kept, abs=0.5), "mm")]


def test_measurements_belong_to_their_slice(viewer):
    viewer.press("m")
    measure(viewer, START, END)
    home = viewer.slice
    drawn = viewer.rendered
    viewer.wheel_over(phantom.TISSUE.centre, 100)
    viewer.wait_for_render(drawn)
    assert viewer.slice != home
    assert viewer.measurements().count() == 0
    drawn = viewer.rendered
    viewer.wheel_over(phantom.TISSUE.centre, -100)
    viewer.wait_for_slice(home, after=drawn)
    assert viewer.lengths() == [(pytest.approx(50.0, abs=0.5), "mm")]


def test_a_picture_without_pixel_spacing_measures_in_pixels_with_a_warning(
    page, phantom_case, photo_series
):
    page.goto(phantom_case.get_absolute_url("standard"))
    viewer = Viewer(page)
    viewer.open(tile_of(page, photo_series))
    viewer.press("m")
    measure(viewer, (40, 100), (140, 100))
    [(length, unit)] = viewer.lengths()
    assert unit == "px"
    assert length == pytest.approx(100, abs=1)
    assert "pixel" in viewer.readout("status").lower()


def test_delete_removes_the_measurement_clicked_on(viewer):
    viewer.press("m")
    measure(viewer, START, END)
    measure(viewer, *SHORT)  # the newest is selected; select the first again by clicking it
    middle = ((START[0] + END[0]) / 2, (START[1] + END[1]) / 2)
    viewer.page.mouse.click(*viewer.to_page(*middle))
    viewer.page.wait_for_function(
        "() => document.querySelector('#viewer .viewer-measurements li[aria-current=\"true\"]')"
    )
    viewer.press("Delete")
    viewer.page.wait_for_function(
        "() => document.querySelectorAll('#viewer .viewer-measurements li').length === 1"
    )
    assert viewer.lengths() == [(pytest.approx(30.0, abs=0.5), "mm")]
