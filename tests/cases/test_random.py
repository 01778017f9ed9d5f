"""A random case honours the browse filters, never picks a draft, and says so kindly when
nothing matches."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from tests.factories import make_case
from tests.pages import assert_friendly_error_page

DRAWS = 30


@pytest.fixture
def chest_and_neuro(alice, bob):
    return {
        "chest": [make_case(alice, anatomy="chest", modality="CR") for _ in range(3)],
        "neuro": [make_case(bob, anatomy="neuro", modality="MR") for _ in range(3)],
        "drafts": [
            make_case(alice, anatomy="chest", modality="CR", status=Case.Status.DRAFT)
            for _ in range(3)
        ],
    }


def draw(workflow="academic", times=DRAWS, **filters):
    """The case pks the random URL redirected to, checking each redirect on the way."""
    client = Client()
    url = reverse("cases:random", args=[workflow])
    landed = set()
    for _ in range(times):
        response = client.get(url, filters)
        assert response.status_code == 302
        path, _, query = response["Location"].partition("?")
        prefix = f"/{workflow}/cases/"
        assert path.startswith(prefix)
        landed.add(int(path[len(prefix):].strip("/")))
        expected = sorted(f"{name}={value}" for name, value in filters.items())
        assert sorted(filter(None, query.split("&"))) == expected
    return landed


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_random_with_an_anatomy_lands_only_on_that_anatomy(chest_and_neuro, workflow):
    assert draw(workflow, anatomy="chest") <= {c.pk for c in chest_and_neuro["chest"]}
    assert draw(workflow, anatomy="neuro") <= {c.pk for c in chest_and_neuro["neuro"]}


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_random_with_a_modality_lands_only_on_that_modality(chest_and_neuro, workflow):
    assert draw(workflow, modality="MR") <= {c.pk for c in chest_and_neuro["neuro"]}
    assert draw(workflow, modality="CR") <= {c.pk for c in chest_and_neuro["chest"]}


def test_random_without_filters_never_lands_on_a_draft(chest_and_neuro):
    published = {c.pk for c in chest_and_neuro["chest"] + chest_and_neuro["neuro"]}
    assert draw("standard") <= published
    assert draw("academic") <= published


def test_random_honours_standard_only_filters_in_the_standard_workflow(alice):
    wanted = make_case(alice, category="infection", tags=["classic"])
    make_case(alice, category="trauma", tags=["classic"])
    assert draw("standard", category="infection") == {wanted.pk}
    assert draw("standard", tag="classic", category="infection") == {wanted.pk}


def test_random_lands_on_every_matching_case_sooner_or_later(chest_and_neuro):
    # The draw is a range scan on random_key, so keys decide the odds; spread them evenly.
    for key, case in zip((0.1, 0.5, 0.9), chest_and_neuro["chest"], strict=False):
        Case.objects.filter(pk=case.pk).update(random_key=key)
    assert draw("academic", times=60, anatomy="chest") == {c.pk for c in chest_and_neuro["chest"]}


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_random_with_nothing_matching_answers_a_friendly_not_found(chest_and_neuro, workflow):
    response = Client().get(
        reverse("cases:random", args=[workflow]), {"anatomy": "chest", "modality": "MR"}
    )
    assert_friendly_error_page(response, 404)
    assert "No case matches these filters" in response.content.decode()
    # A way back to the same filters, to loosen them.
    assert f"/{workflow}/cases/?anatomy=chest&amp;modality=MR" in response.content.decode()


def test_random_in_an_empty_repository_answers_not_found(db):
    response = Client().get(reverse("cases:random", args=["academic"]))
    assert_friendly_error_page(response, 404)
