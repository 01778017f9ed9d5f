"""Annotations in the viewer: an editor draws an arrow and a text label on the published phantom,
they are saved and come back drawn after a reload, Shift+A hides and shows them; its contributor's
mark takes the published case back to review, and she is told so; an academic reader is sent
none until they reveal the answer, and then sees them."""

import re

import pytest

from tests.browser.viewer_page import Viewer, tile_of
from viewer.models import Annotation

pytestmark = pytest.mark.browser

# In the phantom's air, right of the tissue square: black at any window, so a mark shows.
TAIL, HEAD = (170, 115), (230, 165)
MIDDLE = (200, 140)
LABEL = "Lucent band"


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/")


def open_ct(page, case, series, workflow="standard"):
    if workflow:
        page.goto(case.get_absolute_url(workflow))
    viewer = Viewer(page)
    viewer.open(tile_of(page, series))
    return viewer


def wait_for_marks(viewer, shown):
    viewer.page.wait_for_function(
        "shown => document.querySelector('#viewer').dataset.annotations === shown", arg=shown
    )


def is_black(rgba):
    return max(rgba[:3]) < 30


def middle_image(page, series):
    index = int(tile_of(page, series).get_attribute("data-index"))
    return list(series.images.order_by("position", "id"))[index]


def test_an_editor_draws_an_arrow_and_a_text_that_come_back_after_a_reload(
    page, phantom_case, ct_series, editor
):
    log_in(page, editor)
    viewer = open_ct(page, phantom_case, ct_series)
    assert is_black(viewer.pixel(*MIDDLE))
    viewer.press("n")
    assert viewer.tool("annotate").get_attribute("aria-pressed") == "true"
    viewer.drag(TAIL, HEAD)
    wait_for_marks(viewer, "1")
    page.locator('#viewer select[name="annotation-kind"]').select_option("text")
    page.once("dialog", lambda dialog: dialog.accept(LABEL))
    page.mouse.click(*viewer.to_page(40, 170))
    wait_for_marks(viewer, "2")

    page.reload()
    viewer = open_ct(page, phantom_case, ct_series, workflow=None)
    wait_for_marks(viewer, "2")
    viewer.wait_for_render(viewer.rendered - 1)
    assert not is_black(viewer.pixel(*MIDDLE))
    saved = Annotation.objects.order_by("created")
    assert [(a.kind, a.label) for a in saved] == [("arrow", ""), ("text", LABEL)]
    assert saved[0].image == middle_image(page, ct_series)

    viewer.press("Shift+A")
    wait_for_marks(viewer, "hidden")
    viewer.wait_for_render(viewer.rendered - 1)
    assert is_black(viewer.pixel(*MIDDLE))
    viewer.press("Shift+A")
    wait_for_marks(viewer, "2")
    phantom_case.refresh_from_db()
    assert phantom_case.is_published  # an editor's marks go live


def test_the_contributors_mark_on_her_published_case_sends_it_back_to_review(
    page, phantom_case, ct_series, alice
):
    log_in(page, alice)
    viewer = open_ct(page, phantom_case, ct_series)
    viewer.press("n")
    viewer.drag(TAIL, HEAD)
    wait_for_marks(viewer, "1")
    status = page.locator('#viewer [data-readout="status"]')
    assert "awaits an editor's review" in status.text_content()
    phantom_case.refresh_from_db()
    assert phantom_case.is_submitted


def test_a_reader_who_may_not_edit_has_no_annotate_tool(page, phantom_case, ct_series):
    viewer = open_ct(page, phantom_case, ct_series)
    assert viewer.tool("annotate").is_hidden()


def test_an_academic_reader_sees_the_annotations_only_after_revealing(
    page, phantom_case, ct_series, alice
):
    page.goto(phantom_case.get_absolute_url("academic"))
    Annotation.objects.create(
        image=middle_image(page, ct_series), kind="arrow", points=[list(TAIL), list(HEAD)],
        label="ZQXMARKER-annotation-207", author=alice,
    )
    viewer = open_ct(page, phantom_case, ct_series, workflow=None)
    wait_for_marks(viewer, "0")
    assert is_black(viewer.pixel(*MIDDLE))
    manifest = page.evaluate(
        "url => fetch(url).then(r => r.text())",
        tile_of(page, ct_series).get_attribute("data-manifest-url"),
    )
    assert "zqxmarker-annotation" not in (page.content() + manifest).lower()

    viewer.press("Escape")
    viewer.wait_closed()
    page.get_by_role("button", name="Reveal answer").click()
    page.wait_for_url(re.compile(rf"/academic/cases/{phantom_case.pk}/answer/"))
    viewer = open_ct(page, phantom_case, ct_series, workflow=None)
    wait_for_marks(viewer, "1")
    viewer.wait_for_render(viewer.rendered - 1)
    assert not is_black(viewer.pixel(*MIDDLE))


def test_a_saved_measurement_becomes_a_length_annotation(page, phantom_case, ct_series, editor):
    log_in(page, editor)
    viewer = open_ct(page, phantom_case, ct_series)
    viewer.press("m")
    viewer.drag(TAIL, HEAD)
    page.locator('#viewer button[data-action="save-measurement"]').click()
    wait_for_marks(viewer, "1")
    assert viewer.measurements().count() == 0
    [saved] = Annotation.objects.all()
    assert saved.kind == "length"
    assert saved.points[0] == pytest.approx([TAIL[0] + 0.5, TAIL[1] + 0.5], abs=0.2)


def test_the_author_annotates_a_draft_in_its_preview_before_anyone_reads_it(
    page, phantom_case, ct_series, alice
):
    phantom_case.status = phantom_case.Status.DRAFT
    phantom_case.save()
    log_in(page, alice)
    viewer = open_ct(page, phantom_case, ct_series)
    assert page.locator(".preview-banner").is_visible()
    viewer.press("n")
    viewer.drag(TAIL, HEAD)
    wait_for_marks(viewer, "1")
    assert Annotation.objects.filter(image__study__case=phantom_case).count() == 1
