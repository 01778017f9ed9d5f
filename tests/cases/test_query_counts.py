"""Pages cost a fixed number of queries however many cases and images there are: each page is
measured on a small repository, then must stay within that count on a larger one."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, Differential, Reference
from tests.factories import make_case

PAGES = {
    "home": lambda case: (reverse("cases:home"), {}),
    "browse standard": lambda case: (reverse("cases:browse", args=["standard"]), {}),
    "browse academic": lambda case: (reverse("cases:browse", args=["academic"]), {}),
    "browse standard, 2 filters": lambda case: (
        reverse("cases:browse", args=["standard"]),
        {"anatomy": "chest", "modality": "CR"},
    ),
    "browse academic, 2 filters": lambda case: (
        reverse("cases:browse", args=["academic"]),
        {"anatomy": "chest", "modality": "CR"},
    ),
    # An author among filters alone: counted through the author's index (cases/counts/).
    "browse standard, an author and a filter": lambda case: (
        reverse("cases:browse", args=["standard"]),
        {"author": "alice", "modality": "CR"},
    ),
    "browse academic, an author": lambda case: (
        reverse("cases:browse", args=["academic"]),
        {"author": "alice", "page": "2"},
    ),
    # A word every case holds (its history), with filters, so every card is a search result.
    "browse standard, search": lambda case: (
        reverse("cases:browse", args=["standard"]),
        {"q": "outstretched hand", "anatomy": "chest", "modality": "CR"},
    ),
    "browse academic, search": lambda case: (
        reverse("cases:browse", args=["academic"]),
        {"q": "outstretched hand", "anatomy": "chest", "modality": "CR"},
    ),
    "detail standard, search": lambda case: (
        case.get_absolute_url("standard"),
        {"q": "outstretched"},
    ),
    "detail standard": lambda case: (case.get_absolute_url("standard"), {}),
    "detail academic": lambda case: (case.get_absolute_url("academic"), {}),
    "detail standard, 2 filters": lambda case: (
        case.get_absolute_url("standard"),
        {"anatomy": "chest", "sort": "oldest"},
    ),
}


def add_cases(authors, count, images):
    made = []
    for n in range(count):
        case = make_case(
            authors[n % len(authors)],
            images=images,
            anatomy="chest" if n % 2 == 0 else "neuro",
            modality="CT" if n % 3 == 2 else "CR",
            tags=[f"tag-{n}", "classic"],
            captions=[f"Caption {i}" for i in range(images)],
        )
        for position in range(2):
            Differential.objects.create(case=case, diagnosis=f"Other {position}")
            Reference.objects.create(case=case, citation=f"Author {position}.", doi="10.1/x")
        made.append(case)
    return made


def request(page, case):
    url, query = PAGES[page](case)
    cache.clear()  # the homepage statistics are counted afresh each time
    # The random draw costs one query more when it falls past the last key: always take that path,
    # and so does the pick of the case of the day (cases/daily/picking.py).
    with (
        mock.patch("cases.models.case.random.random", return_value=1.0),
        mock.patch("cases.daily.picking.point_of", return_value=1.0),
    ):
        response = Client().get(url, query)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("page", PAGES)
def test_a_page_costs_the_same_queries_with_more_cases_and_images(
    page, alice, bob, editor, django_assert_max_num_queries
):
    authors = [alice, bob]
    first = add_cases(authors, 2, images=1)[0]
    with CaptureQueriesContext(connection) as small:
        request(page, first)

    add_cases([alice, bob, editor], 28, images=5)
    Case.objects.filter(pk=first.pk).delete()
    largest = add_cases([editor], 1, images=5)[0]  # the detail page shows a 5-image case
    assert Case.objects.published().count() == 30
    with django_assert_max_num_queries(len(small)) as large:
        request(page, largest)
    print(f"\n[query count] {page}: {len(small)} with 2 cases × 1 image, "
          f"{len(large)} with 30 cases × 5 images")


# Pages whose parts are cached (cases/results.py), and the random redirect, read a second time.
SEEN_BEFORE = {
    **PAGES,
    "random standard": lambda case: (reverse("cases:random", args=["standard"]), {}),
    "random academic, 2 filters": lambda case: (
        reverse("cases:random", args=["academic"]),
        {"anatomy": "chest", "modality": "CR"},
    ),
}


@pytest.mark.parametrize("page", SEEN_BEFORE)
def test_a_page_seen_before_costs_only_the_content_version(
    page, alice, bob, django_assert_num_queries
):
    first = add_cases([alice, bob], 2, images=1)[0]
    url, query = SEEN_BEFORE[page](first)
    # A case page asks whether its case is still published in the same statement
    # (cases/caching.py); the homepage asks which case the day shows, and whether it still is
    # (cases/daily/picking.py).
    queries = 2 if page.startswith("home") else 1
    # The homepage's card and the random case: the same draw both times.
    with mock.patch("cases.views.random.choice", side_effect=lambda pool: pool[0]):
        Client().get(url, query)
        with django_assert_num_queries(queries):
            response = Client().get(url, query)
    assert response.status_code in (200, 302)
