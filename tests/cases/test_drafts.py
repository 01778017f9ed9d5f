"""A draft, or a case awaiting review, exists only in the admin and in its editors' preview: no
page shows it to anyone else, and its images, manifests, handouts and zips reach only those who
may edit it. Every test here runs for both states (the `draft` fixture)."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from tests.factories import client_for, make_case
from tests.pages import streamed, text_of

DRAFT_TITLE = "Draft-only osteosarcoma"


@pytest.fixture
def published(bob):
    return make_case(bob, title="Published torus fracture", images=2)


BANNERS = {
    Case.Status.DRAFT: "Preview of a draft case",
    Case.Status.SUBMITTED: "Preview of a case awaiting review",
}


@pytest.fixture(params=list(BANNERS))
def draft(alice, published, request):
    case = make_case(alice, title=DRAFT_TITLE, status=Case.Status.DRAFT, images=3)
    if request.param == Case.Status.SUBMITTED:
        case.submit(alice)
    return case


def image_of(case):
    return case.studies.get().images.first()


def fetch(client, url):
    response = client.get(url)
    if response.streaming:
        streamed(response)
    return response


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_a_draft_detail_page_is_not_found_by_those_who_may_not_edit_it(
    draft, bob, resident, workflow
):
    for client in (Client(), client_for(bob), client_for(resident)):
        response = client.get(draft.get_absolute_url(workflow))
        assert response.status_code == 404


@pytest.mark.parametrize("workflow", ["standard", "academic"])
@pytest.mark.parametrize("persona", ["alice", "editor"])
def test_its_author_and_editors_preview_a_draft_as_readers_will_see_it(
    draft, persona, request, workflow
):
    response = client_for(request.getfixturevalue(persona)).get(draft.get_absolute_url(workflow))
    assert response.status_code == 200
    assert BANNERS[draft.status] in text_of(response)
    assert "no-store" in response["Cache-Control"]
    assert (DRAFT_TITLE in text_of(response)) == (workflow == "standard")
    assert len(response.context["case"].studies[0].images) == 3


def test_a_preview_leaves_nothing_in_the_cache_for_others(draft, alice):
    client_for(alice).get(draft.get_absolute_url("standard"))
    assert Client().get(draft.get_absolute_url("standard")).status_code == 404


def test_a_drafts_manifest_is_served_to_its_editors_only(draft, alice, bob, resident):
    series = draft.studies.get().series.get()
    url = reverse("viewer:manifest", args=["standard", draft.pk, series.pk])
    assert client_for(alice).get(url).status_code == 200
    for client in (Client(), client_for(bob), client_for(resident)):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_browse_never_lists_a_draft(draft, published, alice, workflow):
    url = reverse("cases:browse", args=[workflow])
    for filters in ({}, {"author": "alice"}, {"anatomy": "musculoskeletal", "sort": "updated"}):
        response = client_for(alice).get(url, filters)
        assert response.status_code == 200
        assert draft.pk not in [card.pk for card in response.context["cards"]]
        assert draft.get_absolute_url(workflow) not in response.content.decode()
    everything = Client().get(url).content.decode()  # the page cached by alice's first request
    assert published.get_absolute_url(workflow) in everything
    assert draft.get_absolute_url(workflow) not in everything


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_random_never_picks_a_draft(draft, published, workflow):
    client = Client()
    for _ in range(30):
        response = client.get(reverse("cases:random", args=[workflow]))
        assert response.status_code == 302
        assert response["Location"] == published.get_absolute_url(workflow)


def test_random_answers_not_found_when_only_a_draft_matches(alice, published):
    make_case(alice, title=DRAFT_TITLE, anatomy="chest", status=Case.Status.DRAFT)
    response = Client().get(reverse("cases:random", args=["standard"]), {"anatomy": "chest"})
    assert response.status_code == 404
    assert DRAFT_TITLE not in response.content.decode()


def test_homepage_statistics_count_published_cases_only(draft, published, editor):
    make_case(editor, title="Second published case", images=1)
    text = text_of(Client().get(reverse("cases:home")))
    assert "Hosting 2 cases, 3 images, and 2 contributors" in text


def test_homepage_never_shows_a_draft_as_the_random_case(draft, published):
    for _ in range(10):
        response = Client().get(reverse("cases:home"))
        assert published.get_absolute_url("academic") in response.content.decode()
        assert DRAFT_TITLE not in response.content.decode()


@pytest.mark.parametrize("persona", [None, "resident", "attending", "bob"])
def test_a_draft_image_is_not_found_for_those_who_may_not_edit_it(
    draft, persona, request
):
    user = request.getfixturevalue(persona) if persona else None
    image = image_of(draft)
    for kind in ("thumbnail", "display", "full"):
        url = reverse("viewer:image_file", args=[image.pk, kind])
        assert fetch(client_for(user), url).status_code == 404


@pytest.mark.parametrize("persona", ["alice", "editor"])
def test_a_draft_image_is_served_to_its_author_and_editors(draft, persona, request):
    user = request.getfixturevalue(persona)
    image = image_of(draft)
    for kind in ("thumbnail", "display", "full"):
        url = reverse("viewer:image_file", args=[image.pk, kind])
        assert fetch(client_for(user), url).status_code == 200


def test_a_published_image_is_served_to_anyone(published):
    image = image_of(published)
    response = fetch(Client(), reverse("viewer:image_file", args=[image.pk, "display"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_an_unknown_rendition_is_not_found(published):
    image = image_of(published)
    response = Client().get(reverse("viewer:image_file", args=[image.pk, "original"]))
    assert response.status_code == 404
