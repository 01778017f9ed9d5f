"""The study's admin page in a real browser: an ultrasound flagged for burned-in text shows its
frames beside the "Pixels show no identifier" box; the editor whose browser showed them may
confirm it, one whose browser did not load them is told to look first."""

import pytest

from cases.models import Case
from tests.browser.test_viewer_annotations import log_in
from tests.dicom_samples import as_member
from tests.factories import make_case
from tests.pages import study_url
from viewer.models import Series
from viewer.uploads import add_files

pytestmark = pytest.mark.browser

ULTRASOUND = "pydicom-data:OBXXXX1A_rle_2frame.dcm"  # 800 × 600, two frames: one layout


@pytest.fixture
def ultrasound(vocabularies, alice):
    case = make_case(alice, images=0, modality="US", status=Case.Status.DRAFT)
    add_files(case, [as_member(ULTRASOUND)], study=case.studies.get())
    return Series.objects.get(study__case=case, burned_in=True)


def review_images(page):
    return page.locator(".viewer-review-frames img")


def confirm(page):
    page.get_by_label("Pixels show no identifier").check()
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()


def test_the_editor_who_was_shown_the_frames_confirms_the_series(page, ultrasound, alice):
    log_in(page, alice)
    page.goto(study_url(ultrasound.study))
    frames = review_images(page)
    assert frames.count() == 1
    frames.first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.viewer-review-frames img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    # Shown at the display rendition's size: the whole 800 pixels, readable.
    assert frames.first.evaluate("img => img.naturalWidth") == 800
    assert page.locator(".viewer-series-thumbnail").count() == 1
    confirm(page)
    ultrasound.refresh_from_db()
    assert ultrasound.burned_in_confirmed_by == alice


def test_a_browser_that_did_not_load_the_frames_is_told_to_look_first(
    page, ultrasound, alice, console_errors
):
    log_in(page, alice)
    console_errors.expect("Failed to load resource")  # the frames this test blocks
    page.route("**/review/", lambda route: route.abort())
    page.goto(study_url(ultrasound.study))
    confirm(page)
    assert "Look at the frames of series 1 before confirming" in page.content()
    ultrasound.refresh_from_db()
    assert ultrasound.burned_in_confirmed_at is None
