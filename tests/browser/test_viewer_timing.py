"""The viewer times itself with the standard User Timing API, which bench/viewer.py reads: a mark
when a double-click opens it, a measure to the first slice drawn, and one around every draw
saying why it was drawn."""

import pytest

from tests.browser import phantom

pytestmark = pytest.mark.browser

REASONS = """() => performance.getEntriesByName('viewer:render')
  .map((entry) => entry.detail && entry.detail.reason)"""


def test_opening_is_marked_and_the_first_slice_measured(viewer):
    entries = viewer.page.evaluate(
        """() => ({opens: performance.getEntriesByName('viewer:open', 'mark').length,
                   first: performance.getEntriesByName('viewer:first-slice', 'measure')
                     .map((entry) => entry.duration)})"""
    )
    assert entries["opens"] == 1
    assert len(entries["first"]) == 1 and entries["first"][0] > 0


def test_each_draw_is_measured_with_its_reason(viewer):
    for action, reason in [
        (lambda: viewer.wheel_over(phantom.TISSUE.centre, 100), "scroll"),
        (lambda: viewer.drag(phantom.TISSUE.centre, (150, 150), "right"), "wl"),
        (lambda: viewer.wheel_over(phantom.TISSUE.centre, -100, modifier="Control"), "zoom"),
    ]:
        drawn = viewer.rendered
        action()
        viewer.wait_for_render(drawn)
        assert viewer.page.evaluate(REASONS)[-1] == reason
    assert len(viewer.page.evaluate(REASONS)) == viewer.rendered
