"""Opening and closing the viewer from the case page: a single click still enlarges on the page,
a double-click opens the viewer on that image, and Esc, the close button or Back return to the
case."""

import pytest

from tests.browser import phantom
from tests.browser.viewer_page import Viewer, tile_of

pytestmark = pytest.mark.browser

DOUBLE_CLICK_WAIT_MS = 400  # past case.js' 250 ms wait for a second click


def test_a_single_click_still_enlarges_the_image_on_the_page(page, phantom_case, ct_series):
    page.goto(phantom_case.get_absolute_url("standard"))
    tile = tile_of(page, ct_series)
    tile.click()
    page.wait_for_timeout(DOUBLE_CLICK_WAIT_MS)
    stage = page.locator(".stage")
    assert stage.is_visible()
    assert stage.locator("img").get_attribute("src") == tile.get_attribute("data-display-url")
    assert Viewer(page).root.get_attribute("hidden") is not None, "a single click opened the viewer"


def test_a_double_click_opens_the_viewer_on_the_middle_slice_of_a_series(
    page, phantom_case, ct_series
):
    page.goto(phantom_case.get_absolute_url("standard"))
    tile = tile_of(page, ct_series)
    assert tile.count() == 1, "a DICOM series is one tile"
    assert tile.get_attribute("data-index") == str(phantom.SLICES // 2)
    viewer = Viewer(page)
    assert viewer.root.get_attribute("hidden") is not None
    viewer.open(tile)
    assert viewer.root.get_attribute("role") == "dialog"
    assert viewer.root.get_attribute("aria-label") == "Image viewer"
    assert page.url.endswith("#viewer")
    assert viewer.readout("slice") == f"{phantom.SLICES // 2 + 1} / {phantom.SLICES}"
    assert viewer.readout("wl") == "W 400 L 40"


def test_the_canvas_shows_the_phantom_at_its_default_window(viewer):
    """True windowing on the stored values: each region at the grey the file's window gives it,
    where the contract's geometry says it is."""
    k = viewer.slice
    expected = {
        phantom.BONE.centre: 255,
        (4, 4): 0,  # air
        phantom.TISSUE.centre: phantom.grey(phantom.TISSUE_HU),
        phantom.BAND.centre: phantom.grey(phantom.band_hu(k)),
    }
    for point, grey in expected.items():
        assert viewer.grey(*point) == pytest.approx(grey, abs=3), f"image pixel {point}"


def test_a_double_click_on_a_photograph_opens_it_in_colour(page, phantom_case, photo_series):
    page.goto(phantom_case.get_absolute_url("standard"))
    viewer = Viewer(page)
    viewer.open(tile_of(page, photo_series))
    width, height = phantom.PHOTO_SIZE
    assert viewer.pixel(width // 4, height // 2)[:3] == pytest.approx(phantom.RED, abs=6)
    assert viewer.pixel(3 * width // 4, height // 2)[:3] == pytest.approx(phantom.BLUE, abs=6)


def test_esc_closes_the_viewer_and_returns_to_the_case(viewer, page):
    viewer.press("Escape")
    viewer.wait_closed()
    assert "#viewer" not in page.url
    assert page.locator("h1").is_visible()


def test_the_close_button_closes_the_viewer(viewer, page):
    viewer.action("close").click()
    viewer.wait_closed()
    assert "#viewer" not in page.url


def test_back_closes_the_viewer_and_stays_on_the_case(viewer, page, phantom_case):
    page.go_back()
    viewer.wait_closed()
    assert page.url.endswith(phantom_case.get_absolute_url("standard"))


def test_question_mark_shows_the_shortcuts(viewer, page):
    help_overlay = page.locator("#viewer .viewer-help")
    viewer.press("?")
    help_overlay.wait_for(state="visible")
    assert "Esc" in help_overlay.inner_text()


def test_the_case_pages_load_without_console_errors_in_both_workflows(page, phantom_case):
    """The page fixture fails a test on any console error; this one only loads the pages."""
    for workflow in ("standard", "academic"):
        page.goto(phantom_case.get_absolute_url(workflow))
        page.wait_for_load_state("networkidle")
