"""Nothing the academic workflow hides reaches the browser through the viewer: not its captions,
not the manifests it fetches, not the page's DOM once it is open. Every hidden field of the case,
the images' captions and the DICOM series description hold marker strings; the same pages in the
standard workflow must show the answer's markers, so the test can fail."""

import pytest

from tests.browser.phantom_case import MARKERS
from tests.browser.viewer_page import Viewer, tile_of

pytestmark = pytest.mark.browser

FETCH_TEXT = "url => fetch(url).then(response => response.text())"


def markers_in(text):
    text = text.lower()
    return [name for name, marker in MARKERS.items() if marker.lower() in text]


def manifests_of(page):
    urls = page.locator("a.case-image").evaluate_all(
        "links => links.map(a => a.dataset.manifestUrl)"
    )
    assert urls and all(urls), f"a tile without data-manifest-url: {urls}"
    return {url: page.evaluate(FETCH_TEXT, url) for url in set(urls)}


def test_the_academic_viewer_shows_no_caption_and_its_manifests_hold_no_marker(
    page, phantom_case, ct_series, photo_series
):
    page.goto(phantom_case.get_absolute_url("academic"))
    viewer = Viewer(page)
    for series in (ct_series, photo_series):
        viewer.open(tile_of(page, series))
        assert markers_in(viewer.root.inner_text()) == []
        viewer.press("Escape")
        viewer.wait_closed()
    for url, manifest in manifests_of(page).items():
        assert markers_in(manifest) == [], f"{url} leaks"
    viewer.open(tile_of(page, ct_series))
    assert markers_in(page.content()) == []


def test_the_standard_workflow_shows_the_answer_so_the_leak_test_can_fail(page, phantom_case):
    page.goto(phantom_case.get_absolute_url("standard"))
    shown = markers_in(page.content())
    for name in ("title", "diagnosis", "findings", "caption"):
        assert name in shown
    assert len(manifests_of(page)) == 2  # one manifest per series, and each fetches
