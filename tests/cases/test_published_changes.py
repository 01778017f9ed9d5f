"""A contributor's change to a published case never goes live unreviewed: the case goes back to
the editors' queue and leaves the site until it is published again (docs/review.md says why).
An editor's change goes live at once."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import AcceptedAnswer, Case, Differential, Reference
from tests.factories import client_for, make_case
from tests.pages import change_url, post_back, study_url, text_of

LIVE_TITLE = "Published torus fracture"


@pytest.fixture
def published(alice):
    case = make_case(alice, title=LIVE_TITLE, findings="Buckled cortex.")
    Differential.objects.create(case=case, diagnosis="Greenstick fracture")
    Reference.objects.create(case=case, citation="Strouse PJ. Radiology 1996;201:27-30.")
    AcceptedAnswer.objects.create(case=case, answer="Buckle fracture")
    return case


def is_live(case):
    return Client().get(case.get_absolute_url("standard")).status_code == 200


# Each change a contributor may make on the case's page: a field of the case, or of a part.
CHANGES = {
    "title": {"title": "Retitled torus fracture"},
    "diagnosis": {"diagnosis": "Torus fracture of the radius"},
    "study findings": {"studies-0-findings": "Buckled dorsal cortex."},
    "differential": {"differentials-0-diagnosis": "Plastic bowing"},
    "reference": {"references-0-citation": "Another citation."},
    "accepted answer": {"accepted_answers-0-answer": "Torus"},
    "a part removed": {"differentials-0-DELETE": "on"},
    "a part added": {
        "accepted_answers-TOTAL_FORMS": "2",
        "accepted_answers-1-answer": "Buckle",
        "accepted_answers-1-position": "1",
    },
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_contributors_change_to_her_published_case_returns_it_to_review(
    published, alice, change
):
    assert is_live(published)
    response = post_back(client_for(alice), change_url(published), **CHANGES[change])
    assert response.status_code == 302, response.context["errors"]
    published.refresh_from_db()
    assert published.status == Case.Status.SUBMITTED
    assert published.submitted_by == alice
    assert not is_live(published)
    assert published in Case.objects.awaiting_review()


def test_she_is_told_where_her_change_went(published, alice):
    client = client_for(alice)
    post_back(client, change_url(published), title="Retitled")
    page = text_of(client.get(change_url(published)))
    assert "your change awaits an editor's review" in page
    assert "Awaiting review since" in page


def test_a_contributors_change_on_the_study_page_returns_the_case_to_review(published, alice):
    study = published.studies.get()
    response = post_back(client_for(alice), study_url(study), findings="New findings.")
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == Case.Status.SUBMITTED
    assert not is_live(published)


def test_a_contributors_change_on_a_parts_own_page_returns_the_case_to_review(published, alice):
    differential = published.differentials.get()
    url = reverse("admin:cases_differential_change", args=[differential.pk])
    response = post_back(client_for(alice), url, diagnosis="Plastic bowing")
    assert response.status_code == 302
    assert Case.objects.get(pk=published.pk).status == Case.Status.SUBMITTED


def test_saving_a_published_case_unchanged_keeps_it_live(published, alice):
    response = post_back(client_for(alice), change_url(published))
    assert response.status_code == 302
    assert Case.objects.get(pk=published.pk).status == Case.Status.PUBLISHED
    assert is_live(published)


def test_a_contributors_change_to_her_draft_keeps_it_a_draft(alice):
    draft = make_case(alice, status=Case.Status.DRAFT)
    post_back(client_for(alice), change_url(draft), title="Retitled")
    assert Case.objects.get(pk=draft.pk).status == Case.Status.DRAFT


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_editors_change_to_a_published_case_goes_live_at_once(published, editor, change):
    response = post_back(client_for(editor), change_url(published), **CHANGES[change])
    assert response.status_code == 302, response.context["errors"]
    assert Case.objects.get(pk=published.pk).status == Case.Status.PUBLISHED
    assert is_live(published)


def test_an_editors_change_is_what_readers_see_next(published, editor):
    assert LIVE_TITLE in text_of(Client().get(published.get_absolute_url("standard")))
    post_back(client_for(editor), change_url(published), title="Edited by an editor")
    page = text_of(Client().get(published.get_absolute_url("standard")))
    assert "Edited by an editor" in page
