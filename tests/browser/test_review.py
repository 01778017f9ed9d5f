"""Review as contributors and editors live it, in Chromium: a contributor opens "View on site" on
her draft and reads it marked as a draft, in both workflows; an editor returns a submitted case
from the review queue with a comment, and the contributor reads the comment in her list of cases
and on the case's page."""

import re

import pytest

from cases.models import Case
from tests.factories import make_case

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # tests.factories.make_user's
TITLE = "Draft Salter-Harris fracture"
COMMENT = "Please add the lateral view and name the physis."


def log_in_to_the_admin(page, user):
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/admin/")


@pytest.fixture
def draft(vocabularies, alice):
    return make_case(alice, title=TITLE, status=Case.Status.DRAFT)


def test_a_contributor_views_her_draft_on_the_site_marked_as_a_draft(open_page, draft, alice):
    page = open_page()
    log_in_to_the_admin(page, alice)
    change = f"/admin/cases/case/{draft.pk}/change/"
    for link, workflow in (("View on site", "standard"), ("View as an unknown", "academic")):
        page.goto(change)
        page.get_by_role("link", name=link).click()
        page.wait_for_url(f"**/{workflow}/cases/{draft.pk}/")
        banner = page.get_by_role("status")
        assert "Preview of a draft case" in banner.inner_text()
        shows_title = TITLE in page.locator("main").inner_text()
        assert shows_title == (workflow == "standard")


def test_an_editor_returns_a_case_with_a_comment_the_contributor_reads(
    open_page, draft, alice, editor
):
    draft.submit(alice)
    editors = open_page()
    log_in_to_the_admin(editors, editor)
    editors.get_by_role("link", name="Cases awaiting review").first.click()
    editors.get_by_role("link", name=re.compile(TITLE)).click()
    editors.get_by_label("Comment for the contributor").fill(COMMENT)
    editors.get_by_role("button", name="Return to draft with this comment").click()
    editors.wait_for_url("**/admin/cases/caseawaitingreview/")
    assert f"{draft.number} was returned to its contributor" in editors.inner_text("body")

    contributors = open_page()
    log_in_to_the_admin(contributors, alice)
    contributors.goto("/admin/cases/case/")
    assert COMMENT in contributors.locator("#result_list").inner_text()
    contributors.get_by_role("link", name=TITLE).click()
    assert COMMENT in contributors.locator(".review-comment").inner_text()
    draft.refresh_from_db()
    assert draft.status == Case.Status.DRAFT
