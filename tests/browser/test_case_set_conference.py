"""A conference as an attending and a resident live it, in Chromium: the attending builds a set of
five cases (one from its case page, the rest from a page of browse results), writes a note and
shares it; presents it with the keyboard alone (next and previous, reveal step by step, the
viewer on V, the notes on N, a reload landing on the same case and step, Esc to leave); then a
resident replays it as a quiz from the shared link and finds their score on the set's page; the
attending then downloads the set's handout and slides."""

import re
import zipfile

import pytest

from attempts.models import Attempt
from cases import roles
from casesets.models import CaseSet
from tests.browser.test_resident_journey import answer_and_commit, log_in
from tests.factories import make_case, make_set, make_user

pytestmark = pytest.mark.browser

NOTE = "Ask who sees the fat pad sign"
DIAGNOSES = ["Scaphoid fracture", "Colles fracture", "Perthes disease", "Pneumothorax", "Gout"]


@pytest.fixture
def conference(settings, vocabularies, alice):
    """Five published cases (oldest first) and the attending and resident of a department where
    standard reading is for attendings."""
    settings.STANDARD_WORKFLOW_GROUPS = [roles.ATTENDINGS]
    cases = [
        make_case(alice, images=2, title=f"{diagnosis} (teaching)", diagnosis=diagnosis,
                  unknown_title=f"Unknown {n}", history=f"History of case {n}.",
                  findings=f"Findings of case {n}.", discussion=f"Discussion of case {n}.")
        for n, diagnosis in enumerate(DIAGNOSES, start=1)
    ]  # fmt: skip
    return {
        "cases": cases,
        "attending": make_user("adam", roles.ATTENDINGS),
        "resident": make_user("rita", roles.RESIDENTS),
    }


def build_the_set(page, cases):
    page.goto(cases[0].get_absolute_url("standard"))
    page.get_by_role("link", name="Add this case to a conference set").click()
    page.get_by_label("New set's name").fill("Wednesday MSK conference")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(re.compile(r"/sets/\d+/edit/"))
    page.goto("/standard/cases/?sort=oldest")
    page.get_by_role("link", name="Add this page of results to a conference set").click()
    page.get_by_label("Add to").select_option(label="Wednesday MSK conference")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(re.compile(r"/sets/\d+/edit/"))
    assert "4 case(s) added" in page.locator(".messages").inner_text()
    page.get_by_label("Presenter notes for case 1").fill(NOTE)
    page.locator(f"#item-{CaseSet.objects.get().items.first().pk} button").filter(
        has_text="Save notes"
    ).click()
    page.get_by_label("Shared: anyone with the link").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector(".set-link")
    return CaseSet.objects.get()


def shown(page, selector):
    """What of the current case is on the screen."""
    return page.locator(f".slide {selector}:visible")


def press(page, key):
    page.keyboard.press(key)


def at(page, case, step):
    page.wait_for_url(re.compile(rf"\?case={case}&step={step}$"))


def present_with_the_keyboard(page, case_set):
    page.goto(f"/standard/sets/{case_set.token}/present/")
    at(page, 1, 0)
    assert shown(page, ".slide-heading").inner_text() == "Unknown 1"
    assert shown(page, ".slide-diagnosis").count() == 0
    press(page, "n")
    assert NOTE in shown(page, ".slide-notes").inner_text()
    press(page, "n")
    press(page, "ArrowRight")
    at(page, 2, 0)
    press(page, "PageDown")
    at(page, 3, 0)
    press(page, "Space")
    at(page, 4, 0)
    press(page, "PageUp")
    at(page, 3, 0)
    press(page, "ArrowLeft")
    at(page, 2, 0)
    press(page, "r")
    at(page, 2, 1)
    assert "Findings of case 2." in shown(page, ".slide-step").inner_text()
    assert shown(page, ".slide-diagnosis").count() == 0
    press(page, "r")
    at(page, 2, 2)
    assert shown(page, ".slide-diagnosis").inner_text() == "Colles fracture"
    page.reload()
    at(page, 2, 2)
    assert shown(page, ".slide-diagnosis").inner_text() == "Colles fracture"
    assert shown(page, ".slide-title").inner_text() == "Colles fracture (teaching)"
    press(page, "v")
    page.wait_for_function(
        "() => { const v = document.querySelector('#viewer');"
        " return !v.hidden && v.dataset.state === 'ready' && +v.dataset.rendered > 0; }"
    )
    press(page, "Escape")  # the viewer's own: it closes, the presenter stays
    page.wait_for_function("() => document.querySelector('#viewer').hidden")
    assert "/present/" in page.url
    at(page, 2, 2)
    press(page, "Escape")
    page.wait_for_url(re.compile(rf"/standard/sets/{case_set.token}/$"))


def replay_two_cases(page, case_set):
    page.goto(f"/academic/sets/{case_set.token}/")
    assert "Colles" not in page.content()
    page.get_by_role("link", name="Replay as a quiz").click()
    page.wait_for_url(re.compile(r"/academic/sets/.+/1/$"))
    answer_and_commit(page, "Scaphoid fracture")
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(re.compile(r"/academic/sets/.+/2/$"))
    assert "case 2 of 5" in page.locator(".set-progress").inner_text()
    answer_and_commit(page, "Something else entirely")
    page.get_by_role("link", name="Back to the case").wait_for()


def test_an_attending_builds_and_presents_a_set_that_a_resident_replays(open_page, conference):
    attending_page = open_page()
    log_in(attending_page, conference["attending"])
    case_set = build_the_set(attending_page, conference["cases"])
    ordered = list(case_set.items.shown().values_list("case_id", flat=True))
    assert ordered == [case.pk for case in conference["cases"]]
    assert case_set.visibility == "shared"
    present_with_the_keyboard(attending_page, case_set)

    resident_page = open_page()
    log_in(resident_page, conference["resident"])
    replay_two_cases(resident_page, case_set)
    assert Attempt.objects.filter(reader=conference["resident"]).count() == 2
    resident_page.goto(f"/academic/sets/{case_set.token}/")
    score = resident_page.locator(".own-score").inner_text()
    assert score == "1 correct, 0 partly right, 1 missed, out of 5 (3 not answered yet)."

    attending_page.goto(f"/standard/sets/{case_set.token}/")
    assert "rita" in attending_page.locator(".readers-table").inner_text()
    download_the_handout_and_slides(attending_page, case_set)


def download_the_handout_and_slides(page, case_set):
    """The set's PDF (unknowns, then the answers) and its deck, from the links of its page."""
    downloads = page.locator(".set-downloads")
    with page.expect_download() as pdf:
        downloads.locator("a[href*='handout.pdf?part=both&paper=letter']").click()
    assert pdf.value.suggested_filename == f"set-{case_set.pk}-both-letter.pdf"
    assert open(pdf.value.path(), "rb").read(5) == b"%PDF-"
    with page.expect_download() as deck:
        downloads.locator("a[href*='slides.pptx?part=both']").click()
    assert deck.value.suggested_filename == f"set-{case_set.pk}-both.pptx"
    with zipfile.ZipFile(deck.value.path()) as pptx:  # 1 title slide, 2 per case
        slides = [n for n in pptx.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
    assert len(slides) == 1 + 2 * 5


def test_a_shared_set_is_followed_on_a_touch_screen_with_the_big_buttons(open_page, conference):
    """A resident follows the conference on a tablet from the shared link: the buttons move
    between cases; in academic there is nothing to reveal, and the URL still follows."""
    case_set = make_set(conference["attending"], conference["cases"], visibility="shared")
    tablet = open_page(viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True)
    log_in(tablet, conference["resident"])
    tablet.goto(f"/academic/sets/{case_set.token}/present/")
    at(tablet, 1, 0)
    tablet.get_by_role("button", name="Next ›").tap()
    at(tablet, 2, 0)
    assert shown(tablet, ".slide-heading").inner_text() == "Unknown 2"
    assert tablet.get_by_role("button", name="Reveal").count() == 0
    press(tablet, "r")
    at(tablet, 2, 0)
    tablet.get_by_role("button", name="Images", exact=True).tap()
    tablet.wait_for_function("() => !document.querySelector('#viewer').hidden")
    assert DIAGNOSES[1] not in tablet.content()
