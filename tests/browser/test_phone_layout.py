"""The pages on a phone: Chromium's mobile emulation at 390 x 844 with touch. Browse folds its
filters behind one "Filters (n)" button so cases show on the first screen; the case page puts
the history and images before the case detail and speaks of taps; touch targets are at least
44 px; the viewer's toolbar is one row, the rarer tools behind More."""

import pytest

from tests.browser.viewer_page import tile_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TOUCH_TARGET = 44


@pytest.fixture
def phone(open_page):
    return open_page(viewport=PHONE, is_mobile=True, has_touch=True)


def box(locator):
    return locator.bounding_box()


def test_browse_folds_the_filters_so_a_case_shows_on_the_first_screen(phone, phantom_case):
    phone.goto("/academic/cases/")
    summary = phone.locator("details.filter-panel > summary")
    assert summary.inner_text() == "Filters (0)"
    assert not phone.locator("#browse-filters").is_visible()
    assert box(phone.locator(".card").first)["y"] < PHONE["height"] / 2
    summary.tap()
    assert phone.locator("#browse-filters").is_visible()


def test_the_filters_button_counts_the_filters_in_use(phone, phantom_case):
    phone.goto("/academic/cases/?anatomy=musculoskeletal&q=fall&sort=oldest")
    assert phone.locator("details.filter-panel > summary").inner_text() == "Filters (2)"


def test_on_a_wide_screen_the_filters_show_without_a_button(page, phantom_case):
    page.goto("/academic/cases/")
    assert page.locator("#browse-filters").is_visible()
    assert not page.locator("details.filter-panel > summary").is_visible()


def test_the_case_page_shows_history_and_images_before_the_detail(phone, phantom_case):
    phone.goto(phantom_case.get_absolute_url("academic"))
    history = box(phone.locator("#history-heading"))
    images = box(phone.locator("#images-heading"))
    detail = box(phone.locator("#detail-heading"))
    assert history["y"] < images["y"] < detail["y"]


def test_a_touch_screen_is_told_to_tap(phone, phantom_case):
    phone.goto(phantom_case.get_absolute_url("academic"))
    hint = phone.locator(".case-images .hint")
    assert "Tap an image" in hint.inner_text()
    assert "double-click" not in hint.inner_text().lower()


def test_touch_targets_are_at_least_44_px(phone, phantom_case):
    phone.goto(phantom_case.get_absolute_url("academic"))
    targets = phone.locator(".open-viewer, .case-nav a, .site-header a")
    assert targets.count() >= 4
    for n in range(targets.count()):
        size = box(targets.nth(n))
        assert size["height"] >= TOUCH_TARGET and size["width"] >= TOUCH_TARGET, (
            targets.nth(n).inner_text(), size,
        )


def test_the_viewer_toolbar_is_one_row_with_the_rest_behind_more(phone, phantom_case, ct_series):
    phone.goto(phantom_case.get_absolute_url("academic"))
    tile_of(phone, ct_series).locator("xpath=..").locator(".open-viewer").tap()
    viewer = phone.locator("#viewer")
    viewer.wait_for(state="visible")
    buttons = viewer.locator(".viewer-toolbar button:visible")
    tops = {round(box(buttons.nth(n))["y"]) for n in range(buttons.count())}
    assert len(tops) == 1  # one row
    for n in range(buttons.count()):
        assert box(buttons.nth(n))["height"] >= TOUCH_TARGET
    invert = viewer.locator('button[data-action="invert"]')
    assert not invert.is_visible()
    viewer.get_by_role("button", name="More").tap()
    assert invert.is_visible()
    viewer.get_by_role("button", name="More").tap()
    assert not invert.is_visible()
    viewer.get_by_role("button", name="Close").tap()
    viewer.wait_for(state="hidden")
