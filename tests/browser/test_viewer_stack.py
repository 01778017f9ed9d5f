"""Moving through a stack: the wheel, the keyboard, switching series, loading, and a slice that
fails to load. Which slice is on screen is read from the phantom's band, whose grey is distinct
for each slice, not only from the viewer's own attributes."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.browser import phantom
from tests.browser.viewer_page import Viewer, tile_of

pytestmark = pytest.mark.browser


def assert_shows_slice(viewer, k):
    assert viewer.slice == k
    assert viewer.readout("slice") == f"{k + 1} / {phantom.SLICES}"
    band = viewer.grey(*phantom.BAND.centre)
    assert band == pytest.approx(phantom.grey(phantom.band_hu(k)), abs=4), (
        f"the canvas does not show slice {k + 1} (band grey {band})"
    )


def test_the_wheel_changes_the_slice(viewer):
    first = viewer.slice
    drawn = viewer.rendered
    viewer.wheel_over(phantom.TISSUE.centre, 100)
    viewer.wait_for_render(drawn)
    assert abs(viewer.slice - first) == 1
    assert_shows_slice(viewer, viewer.slice)
    moved = viewer.slice
    drawn = viewer.rendered
    viewer.wheel_over(phantom.TISSUE.centre, -100)
    viewer.wait_for_render(drawn)
    assert_shows_slice(viewer, first)
    assert moved != first


def test_home_and_end_go_to_the_first_and_last_slice(viewer):
    drawn = viewer.rendered
    viewer.press("End")
    viewer.wait_for_slice(phantom.SLICES - 1, after=drawn)
    assert_shows_slice(viewer, phantom.SLICES - 1)
    drawn = viewer.rendered
    viewer.press("Home")
    viewer.wait_for_slice(0, after=drawn)
    assert_shows_slice(viewer, 0)


def test_arrow_keys_step_one_slice_in_opposite_directions(viewer):
    first = viewer.slice
    drawn = viewer.rendered
    viewer.press("ArrowDown")
    viewer.wait_for_render(drawn)
    down = viewer.slice
    assert abs(down - first) == 1
    assert_shows_slice(viewer, down)
    viewer.press("ArrowUp")
    drawn = viewer.rendered
    viewer.press("ArrowUp")
    viewer.wait_for_slice(2 * first - down, after=drawn)
    assert_shows_slice(viewer, 2 * first - down)


def test_page_keys_jump_further_than_arrows(viewer):
    first = viewer.slice
    drawn = viewer.rendered
    viewer.press("PageDown")
    viewer.wait_for_render(drawn)
    jumped = viewer.slice
    assert abs(jumped - first) > 1
    assert_shows_slice(viewer, jumped)
    drawn = viewer.rendered
    viewer.press("PageUp")
    viewer.wait_for_slice(first, after=drawn)


def test_the_slider_shows_and_sets_the_slice(viewer):
    slider = viewer.page.locator('#viewer input[type="range"][name="slice"]')
    assert slider.input_value() in (str(viewer.slice), str(viewer.slice + 1))
    base = 0 if slider.get_attribute("min") == "0" else 1
    drawn = viewer.rendered
    slider.fill(str(3 + base))
    viewer.wait_for_slice(3, after=drawn)
    assert_shows_slice(viewer, 3)


def test_space_plays_the_stack_and_pauses_it(viewer):
    viewer.page.locator('#viewer input[name="fps"]').fill("30")
    viewer.root.focus()
    start = viewer.slice
    viewer.press(" ")
    assert viewer.action("play").get_attribute("aria-pressed") == "true"
    viewer.page.wait_for_function(
        f"() => (+document.querySelector('#viewer').dataset.slice - {start} + {phantom.SLICES})"
        f" % {phantom.SLICES} >= 3"
    )
    viewer.press(" ")
    assert viewer.action("play").get_attribute("aria-pressed") == "false"
    stopped = viewer.slice
    viewer.page.wait_for_timeout(200)  # six frames at 30 fps
    assert viewer.slice == stopped


def test_slices_load_from_the_current_one_outward(page, phantom_case, ct_series):
    positions = {pixels_path(image): image.position for image in ct_series.images.all()}
    requested = []
    page.context.on("request", lambda request: requested.append(urlsplit(request.url).path))
    page.goto(phantom_case.get_absolute_url("standard"))
    Viewer(page).open(tile_of(page, ct_series))
    page.wait_for_function(
        "() => +document.querySelector('#viewer progress.viewer-progress').value === "
        f"{phantom.SLICES}"
    )
    order = [positions[path] for path in requested if path in positions]
    middle = phantom.SLICES // 2
    assert order[0] == middle
    assert sorted(set(order)) == list(range(phantom.SLICES))
    firsts = list(dict.fromkeys(order))[:7]
    assert all(abs(position - middle) <= 3 for position in firsts), order


def test_the_whole_stack_loads_behind_a_progress_indicator(viewer):
    progress = viewer.page.locator("#viewer progress.viewer-progress")
    assert progress.get_attribute("max") == str(phantom.SLICES)
    viewer.page.wait_for_function(
        "() => +document.querySelector('#viewer progress.viewer-progress').value === "
        f"{phantom.SLICES}"
    )


def test_switching_series_keeps_the_viewer_open(viewer, photo_series, ct_series):
    buttons = viewer.page.locator("#viewer .viewer-series button[data-series]")
    assert sorted(buttons.evaluate_all("bs => bs.map(b => +b.dataset.series)")) == sorted(
        [ct_series.pk, photo_series.pk]
    )
    drawn = viewer.rendered
    viewer.page.locator(f'#viewer .viewer-series button[data-series="{photo_series.pk}"]').click()
    viewer.wait_for_render(drawn)
    assert viewer.is_open()
    assert viewer.attribute("series") == str(photo_series.pk)
    width, height = phantom.PHOTO_SIZE
    assert viewer.pixel(width // 4, height // 2)[:3] == pytest.approx(phantom.RED, abs=6)
    drawn = viewer.rendered
    viewer.page.locator(f'#viewer .viewer-series button[data-series="{ct_series.pk}"]').click()
    viewer.wait_for_render(drawn)
    assert viewer.attribute("series") == str(ct_series.pk)
    assert_shows_slice(viewer, viewer.slice)


def test_a_failed_slice_shows_an_error_in_place_and_the_others_still_draw(
    page, phantom_case, ct_series, console_errors
):
    """The slice the viewer opens on fails with a 500; the error is that slice's alone."""
    middle = phantom.SLICES // 2
    failing = pixels_path(ct_series.images.order_by("position")[middle])
    page.route(
        lambda url: urlsplit(url).path == failing, lambda route: route.fulfill(status=500)
    )
    console_errors.expect(r"status of 500")
    page.goto(phantom_case.get_absolute_url("standard"))
    tile = tile_of(page, ct_series)
    tile.dblclick()
    viewer = Viewer(page)
    viewer.wait_for_slice(middle, state="error")
    assert viewer.is_open()
    drawn = viewer.rendered
    viewer.press("ArrowDown")
    viewer.wait_for_render(drawn, state="ready")
    next_slice = viewer.slice
    assert abs(next_slice - middle) == 1
    assert_shows_slice(viewer, next_slice)
    drawn = viewer.rendered
    viewer.press("ArrowUp" if next_slice > middle else "ArrowDown")
    viewer.wait_for_slice(middle, state="error", after=drawn)


def pixels_path(image):
    return reverse("viewer:pixels", args=[image.pk])
