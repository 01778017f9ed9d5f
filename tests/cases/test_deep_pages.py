"""Pages at any depth (cases/paging.py): their ids read from the nearer end of the ordering equal
the plain OFFSET pages, in every sort and with filters; the last page is reachable and shows the
last cases."""

import pytest
from django.urls import reverse

from cases import paging
from cases.forms import BrowseForm
from cases.models import Case
from tests.factories import make_case


@pytest.fixture
def many(alice, bob):
    return [make_case(alice if n % 3 else bob, images=0, anatomy="chest" if n % 2 else "neuro",
                      modality="CT" if n % 4 else "CR", title=f"Case number {n}")
            for n in range(23)]


@pytest.mark.parametrize("params", [{}, {"sort": "oldest"}, {"sort": "updated"},
                                    {"anatomy": "chest"}, {"modality": "CT", "sort": "oldest"},
                                    {"author": "bob", "anatomy": "neuro"}])
def test_pages_read_from_either_end_equal_offset_pages(many, params):
    form = BrowseForm(params, "standard")
    form.is_valid()
    found = form.filter(Case.objects.published())
    everything = list(found.values_list("pk", flat=True))
    count = len(everything)
    for per_page in (1, 4, 5):
        for start in range(0, count, per_page):
            stop = min(start + per_page, count)
            assert paging.page_ids(found, start, stop, count) == everything[start:stop]


def test_the_last_page_shows_the_oldest_cases(client, many, settings):
    settings.CASES_PER_PAGE = 5
    response = client.get(reverse("cases:browse", args=["standard"]), {"page": 99})
    assert "Page 5 of 5" in response.content.decode()
    shown = [case.pk for case in response.context["page"].object_list]
    assert shown == [case.pk for case in reversed(many[:3])]


def test_every_page_lists_each_case_once_in_order(client, many, settings):
    settings.CASES_PER_PAGE = 4
    seen = []
    for number in range(1, 7):
        page = client.get(reverse("cases:browse", args=["standard"]),
                          {"page": number}).context["page"]
        seen += [case.pk for case in page.object_list]
    assert seen == list(Case.objects.published().values_list("pk", flat=True))
