"""The teaching loop as a resident lives it, in Chromium: log in through the login form, draw a
random unseen case from academic browse, answer it and commit, confirm the automatic grade, reload
the answer, find the case marked in browse and counted on the progress page, and, once it is due,
get it back from the homepage while the unseen draw gives the other case.

Both cases carry a marker in every field the academic workflow hides (tests.factories), so the
page before the commit can be searched for them. Time moves forward by setting the Review's `due`,
the one date the due count, the draw and the marks read."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from attempts.models import Attempt, Review
from tests.browser.viewer_page import Viewer
from tests.factories import MARKERS

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # tests.factories.make_user's
CASE_URL = re.compile(r"/academic/cases/(\d+)/")


def drawn_pk(page):
    found = CASE_URL.search(page.url)
    assert found, f"not a case page: {page.url}"
    return int(found[1])


def hidden_markers_in(html):
    html = html.lower()
    return [name for name, marker in MARKERS.items() if marker.lower() in html]


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/")


def draw_unseen_from_browse(page):
    page.goto("/academic/cases/")
    page.locator('select[name="memory"]').select_option("unseen")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"memory=unseen"))
    page.get_by_role("link", name="Random case with these filters").click()
    page.wait_for_url(CASE_URL)
    return drawn_pk(page)


def answer_and_commit(page, diagnosis):
    page.get_by_label("Your diagnosis").fill(diagnosis)
    page.get_by_label("Differential 1").fill("Perthes disease")
    page.get_by_label("High").check()
    page.get_by_role("button", name="Commit").click()
    page.wait_for_url(re.compile(r"/answer/\d+/"))


def make_due(reader, pk):
    """The days until the case is due have passed."""
    Review.objects.filter(reader=reader, case=pk).update(due=timezone.now() - timedelta(minutes=1))


def card_of(page, pk):
    link = page.locator(f'a.card-link[href^="/academic/cases/{pk}/"]')
    return page.locator("article.card").filter(has=link)


def test_a_resident_draws_answers_reviews_and_gets_a_due_case_back(
    page, resident_without_standard, two_marker_cases, accepted_answer
):
    rita = resident_without_standard
    log_in(page, rita)
    assert page.get_by_role("link", name="Standard").count() == 0
    assert page.request.get("/standard/cases/").status == 403
    assert "0 cases due for review" in page.locator(".due-count").inner_text()

    pk = draw_unseen_from_browse(page)
    assert pk in two_marker_cases
    (other,) = set(two_marker_cases) - {pk}
    assert hidden_markers_in(page.content()) == []
    answer_and_commit(page, accepted_answer)
    attempt = Attempt.objects.get()
    assert (attempt.case_id, attempt.reader, attempt.confidence) == (pk, rita, "high")
    assert attempt.differentials == ["Perthes disease"]

    # The answer: findings and the images first, then the diagnosis and the grade.
    assert page.locator("a.case-image").count() == 2
    assert page.locator("figcaption").count() == 0
    page.get_by_role("link", name="Show the diagnosis and discussion").click()
    page.wait_for_url(re.compile(r"show=all"))
    assert page.locator(".automatic-grade").inner_text() == "Correct"
    assert page.locator("figcaption").all_inner_texts() == [MARKERS["caption"]] * 2
    viewer = Viewer(page)
    viewer.open(page.locator("a.case-image").first)
    viewer.press("Escape")
    viewer.wait_closed()
    page.get_by_label("Correct", exact=True).check()
    page.get_by_role("button", name="Confirm grade").click()
    page.wait_for_selector(".confirmed-grade")
    answer_url = page.url
    page.reload()
    assert page.url == answer_url
    assert page.locator(".confirmed-grade").inner_text() == "Correct"
    assert page.locator(".diagnosis").inner_text() == MARKERS["diagnosis"]

    # Browse marks it; the progress page counts it.
    page.goto("/academic/cases/")
    marks = card_of(page, pk).locator(".card-marks .mark").all_inner_texts()
    assert marks == ["Seen", "Correct"]
    assert card_of(page, other).locator(".card-marks").count() == 0
    page.get_by_role("link", name="My progress").click()
    assert page.locator(".cases-attempted").inner_text() == "1"
    recent = page.locator(".progress-recent tbody tr")
    assert recent.count() == 1
    assert f"Case {pk}" in recent.inner_text() and accepted_answer in recent.inner_text()

    # Days later: the case is due.
    make_due(rita, pk)
    page.goto("/academic/cases/")
    assert card_of(page, pk).locator(".mark").all_inner_texts() == ["Seen", "Correct", "Due"]
    page.goto("/")
    assert page.locator(".due-count").inner_text() == "1 case due for review."
    page.get_by_role("link", name="Review a due case").click()
    page.wait_for_url(CASE_URL)
    assert drawn_pk(page) == pk
    assert hidden_markers_in(page.content()) == []  # the answer form again, nothing revealed
    page.goto("/")
    page.get_by_role("link", name="Answer an unseen case").click()
    page.wait_for_url(CASE_URL)
    assert drawn_pk(page) == other

    # The header's log-out, whose token the page fills from the CSRF cookie as it is sent.
    page.get_by_role("button", name=f"Log out {rita.username}").click()
    page.wait_for_url("/")
    assert page.get_by_role("link", name="Log in").count() == 1
    assert page.request.get("/progress/", max_redirects=0).status == 302
