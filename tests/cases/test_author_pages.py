"""Browse with an author among filters alone (cases/counts/authored.py): counted exactly however
many cases the author has, and paged as filters alone are, from the nearer end of the ordering;
the same cases in the same order as plain OFFSET pages, and the count follows every change."""

from math import ceil

import pytest
from django.urls import reverse

from cases import estimates
from cases.counts import authored
from cases.forms import BrowseForm
from cases.models import Case
from tests.factories import make_case

URL = reverse("cases:browse", args=["standard"])


@pytest.fixture
def many(alice, bob):
    return [make_case(alice if n % 3 else bob, images=0, anatomy="chest" if n % 2 else "neuro",
                      modality="CT" if n % 4 else "CR", tags=["rare"] if n % 5 else [],
                      title=f"Case number {n}")
            for n in range(23)]


@pytest.fixture
def small_threshold(monkeypatch):
    """Alice's 15 cases are over the threshold: without the author's count they would be
    estimated."""
    monkeypatch.setattr(estimates, "ESTIMATE_ABOVE", 3)
    monkeypatch.setattr(estimates, "SAMPLE", 3)


def heading(response):
    return response.content.decode().split("</h1>")[0]


def in_offset_order(params):
    form = BrowseForm(params, "standard")
    assert form.is_valid()
    return list(form.filter(Case.objects.published()).values_list("pk", flat=True))


@pytest.mark.parametrize("params", [
    {"author": "alice"}, {"author": "alice", "sort": "oldest"},
    {"author": "alice", "sort": "updated", "anatomy": "chest"},
    {"author": "alice", "modality": "CT"}, {"author": "alice", "tag": "rare", "sort": "oldest"},
])
def test_an_authors_pages_list_each_case_once_in_the_order_of_offset_pages(
        client, many, small_threshold, settings, params):
    settings.CASES_PER_PAGE = 4
    everything = in_offset_order(params)
    assert len(everything) > estimates.ESTIMATE_ABOVE
    seen = []
    for number in range(1, ceil(len(everything) / 4) + 1):
        response = client.get(URL, {**params, "page": number})
        assert f"{len(everything)} cases" in heading(response)
        assert "about" not in heading(response)
        seen += [case.pk for case in response.context["page"].object_list]
    assert seen == everything


def test_a_page_past_the_last_shows_the_authors_oldest_cases(client, many, small_threshold,
                                                             settings):
    settings.CASES_PER_PAGE = 4
    page = client.get(URL, {"author": "alice", "page": 99}).context["page"]
    alices = [case.pk for case in many if case.author.username == "alice"]
    assert page.number == 4 and [case.pk for case in page.object_list] == alices[2::-1]


def test_an_authors_count_follows_a_withdrawal_a_publication_and_a_deletion(
        client, many, small_threshold, alice):
    def counted():
        return client.get(URL, {"author": "alice"}).context["page"].count

    assert counted() == 15
    withdrawn = many[1]
    withdrawn.status = Case.Status.DRAFT
    withdrawn.save()
    assert counted() == 14
    make_case(alice, images=0)
    assert counted() == 15
    many[2].delete()
    assert counted() == 14


def test_a_search_or_no_author_is_not_counted_as_an_authors_cases(many):
    for params, covered in (({"author": "alice"}, True),
                            ({"author": "alice", "anatomy": "chest", "tag": "rare"}, True),
                            ({"author": "alice", "q": "fracture"}, False),
                            ({"anatomy": "chest"}, False)):
        form = BrowseForm(params, "standard")
        assert form.is_valid() and authored.covers(form) is covered
