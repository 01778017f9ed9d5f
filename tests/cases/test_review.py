"""Editorial review: a contributor submits a draft, an editor publishes it or returns it with a
comment the contributor reads, from a queue of cases awaiting review, oldest first."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from tests.factories import client_for, make_case
from tests.pages import change_url, post_back, text_of

CHANGELIST = reverse("admin:cases_case_changelist")
QUEUE = reverse("admin:cases_caseawaitingreview_changelist")


def review_url(case):
    return reverse("admin:cases_case_review", args=[case.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def act(client, action, *cases):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [c.pk for c in cases]})


def status_of(case):
    case.refresh_from_db()
    return case.status


@pytest.fixture
def draft(alice):
    return make_case(alice, title="Alice's draft", status=Case.Status.DRAFT)


@pytest.fixture
def submitted(draft, alice):
    draft.submit(alice)
    return draft


# --- submitting ---------------------------------------------------------------------------------


def test_a_contributor_submits_her_draft_with_the_action(draft, alice):
    response = act(client_for(alice), "submit", draft)
    assert status_of(draft) == Case.Status.SUBMITTED
    assert draft.submitted_by == alice
    assert draft.submitted_at is not None
    assert messages_of(response) == ["Submitted 1 case(s) for review."]
    assert Client().get(draft.get_absolute_url("academic")).status_code == 404


def test_a_contributor_submits_from_the_change_page(draft, alice):
    client = client_for(alice)
    page = client.get(change_url(draft))
    assert 'name="_submit_review"' in page.content.decode()
    response = post_back(client, change_url(draft), title="Retitled", _submit_review="1")
    assert response.status_code == 302
    assert status_of(draft) == Case.Status.SUBMITTED
    assert draft.title == "Retitled"


def test_an_incomplete_draft_is_not_submitted_and_says_why(alice):
    case = make_case(alice, status=Case.Status.DRAFT, diagnosis="")
    response = act(client_for(alice), "submit", case)
    assert status_of(case) == Case.Status.DRAFT
    assert messages_of(response) == [
        f"{case.number} was not submitted: the final diagnosis is missing."
    ]


def test_a_contributor_cannot_submit_another_contributors_draft(draft, bob):
    act(client_for(bob), "submit", draft)
    assert status_of(draft) == Case.Status.DRAFT


# --- deciding -----------------------------------------------------------------------------------


def test_an_editor_publishes_a_submitted_case_from_its_review_page(submitted, editor):
    client = client_for(editor)
    assert client.get(review_url(submitted)).status_code == 200
    response = client.post(review_url(submitted), {"decision": "publish", "comment": ""})
    assert response["Location"] == QUEUE
    assert status_of(submitted) == Case.Status.PUBLISHED
    assert Client().get(submitted.get_absolute_url("academic")).status_code == 200


def test_an_editor_returns_a_case_with_a_comment_its_contributor_reads(submitted, editor, alice):
    comment = "Add the lateral view & say which physis."
    client_for(editor).post(review_url(submitted), {"decision": "return", "comment": comment})
    assert status_of(submitted) == Case.Status.DRAFT
    assert submitted.returned_by == editor
    contributor = client_for(alice)
    assert comment in text_of(contributor.get(change_url(submitted)))
    assert comment in text_of(contributor.get(CHANGELIST))


def test_returning_without_a_comment_is_refused_and_loses_nothing(submitted, editor):
    response = client_for(editor).post(review_url(submitted), {"decision": "return"})
    assert response.status_code == 200
    assert response.context["form"].has_error("comment", "comment_required")
    assert status_of(submitted) == Case.Status.SUBMITTED


def test_submitting_again_clears_the_answered_comment(submitted, editor, alice):
    submitted.return_to_contributor(editor, "Crop the pictures.")
    act(client_for(alice), "submit", submitted)
    submitted.refresh_from_db()
    assert submitted.review_comment == ""
    assert "Crop the pictures." not in text_of(client_for(alice).get(change_url(submitted)))


def test_the_publish_action_refuses_an_unsubmitted_draft_with_only_the_error(draft, editor):
    response = act(client_for(editor), "publish", draft)
    assert status_of(draft) == Case.Status.DRAFT
    assert messages_of(response) == [
        f"{draft.number} was not published: it is a draft its contributor has not submitted "
        "for review."
    ]


def test_a_refused_publish_shows_only_the_error(editor):
    incomplete = make_case(editor, status=Case.Status.DRAFT, history="")
    response = act(client_for(editor), "publish", incomplete)
    assert status_of(incomplete) == Case.Status.DRAFT
    assert messages_of(response) == [
        f"{incomplete.number} was not published: the clinical history is missing."
    ]
    assert "Published 0" not in text_of(client_for(editor).get(CHANGELIST))


def test_an_editor_may_publish_her_own_draft_without_review(editor):
    own = make_case(editor, status=Case.Status.DRAFT)
    response = act(client_for(editor), "publish", own)
    assert status_of(own) == Case.Status.PUBLISHED
    assert messages_of(response) == ["Published 1 case(s)."]


def test_the_status_field_cannot_publish_another_contributors_draft(draft, editor):
    response = post_back(client_for(editor), change_url(draft), status="published")
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("status", "not_submitted")
    assert status_of(draft) == Case.Status.DRAFT


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_submitted_cases_oldest_first_with_who_and_when(alice, bob, editor):
    now = timezone.now()
    newer = make_case(alice, title="Newer", status=Case.Status.DRAFT)
    older = make_case(bob, title="Older", status=Case.Status.DRAFT)
    make_case(bob, title="Still a draft", status=Case.Status.DRAFT)
    make_case(bob, title="Published already")
    newer.submit(alice)
    older.submit(bob)
    Case.objects.filter(pk=older.pk).update(submitted_at=now - timedelta(days=2))
    response = client_for(editor).get(QUEUE)
    assert [case.pk for case in response.context["cl"].result_list] == [older.pk, newer.pk]
    text = text_of(response)
    assert text.index("Older") < text.index("Newer")
    assert "bob" in text and "alice" in text
    assert review_url(older) in response.content.decode()


def test_editors_find_the_queue_on_the_admin_index(editor, alice):
    assert QUEUE in client_for(editor).get(reverse("admin:index")).content.decode()
    assert QUEUE not in client_for(alice).get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_contributors_reach_neither_the_queue_nor_a_review_page(submitted, persona, request):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(QUEUE).status_code == 403
    assert client.get(review_url(submitted)).status_code == 403
    client.post(review_url(submitted), {"decision": "publish"})
    assert status_of(submitted) == Case.Status.SUBMITTED


@pytest.mark.parametrize("persona", [None, "resident", "attending"])
def test_readers_are_sent_to_the_admin_login_from_the_queue_and_review_pages(
    submitted, persona, request
):
    client = client_for(request.getfixturevalue(persona) if persona else None)
    for url in (QUEUE, review_url(submitted)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_case_not_awaiting_review_has_no_review_page(draft, editor):
    response = client_for(editor).get(review_url(draft))
    assert response["Location"] == change_url(draft)


def test_the_queue_and_review_page_take_as_many_queries_for_many_cases_as_for_few(
    alice, bob, editor
):
    client = client_for(editor)

    def queue_and_review_queries(count):
        for n in range(count):
            case = make_case(alice if n % 2 else bob, title=f"Case {n}", status="draft")
            case.submit(case.author)
        with CaptureQueriesContext(connection) as queue:
            client.get(QUEUE)
        with CaptureQueriesContext(connection) as review:
            client.get(review_url(case))
        return len(queue), len(review)

    assert queue_and_review_queries(2) == queue_and_review_queries(8)
