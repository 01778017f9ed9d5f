"""A logged-in reader's academic browse with marks, with each of the reader's filters, and the
random draw with them, cost a fixed number of queries however many cases there are and however
many of them the reader has attempted."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attempts.models import Grade, Review
from cases.models import Case
from tests.cases.test_query_counts import add_cases
from tests.factories import client_for

BROWSE = reverse("cases:browse", args=["academic"])
RANDOM = reverse("cases:random", args=["academic"])
PAGES = {
    "browse with marks": (BROWSE, {}, 200),
    "browse with marks, 2 filters": (BROWSE, {"anatomy": "chest", "modality": "CR"}, 200),
    "browse unseen": (BROWSE, {"memory": "unseen"}, 200),
    "browse missed": (BROWSE, {"memory": "missed"}, 200),
    "browse due": (BROWSE, {"memory": "due"}, 200),
    "browse unseen, search and filters": (
        BROWSE,
        {"memory": "unseen", "q": "outstretched hand", "anatomy": "neuro"},
        200,
    ),
    "random unseen": (RANDOM, {"memory": "unseen"}, 302),
    "random missed, 2 filters": (RANDOM, {"memory": "missed", "anatomy": "chest"}, 302),
    "random due": (RANDOM, {"memory": "due"}, 302),
}
GRADES = [Grade.MISSED, Grade.CORRECT, Grade.PARTLY]


def review(reader, cases):
    """Reviews of these cases, every third one missed; the missed ones are due."""
    for n, case in enumerate(cases):
        missed = GRADES[n % 3] == Grade.MISSED
        due = timezone.now() + timedelta(days=-1 if missed else 5)
        Review.objects.create(reader=reader, case=case, last_grade=GRADES[n % 3], due=due)


def request(client, page):
    url, query, status = PAGES[page]
    cache.clear()
    # The draw costs one query more when it falls past the last key: always take that path,
    # through the ORM's draw (with other filters) or the written-out one (cases/memory.py).
    with mock.patch("cases.models.case.random.random", return_value=1.0), \
         mock.patch("cases.memory.random.random", return_value=1.0):  # fmt: skip
        response = client.get(url, query)
    assert response.status_code == status
    return response


@pytest.mark.parametrize("page", PAGES)
def test_a_readers_page_costs_the_same_queries_with_more_cases_and_attempts(
    page, alice, bob, resident, attending, django_assert_max_num_queries
):
    client = client_for(resident)
    # Three cases, so that leaving out a filter selects more than the page finds (the facets'
    # samples differ), as at any size: the one reviewed case is missed and due, two unseen.
    cases = add_cases([alice, bob], 3, images=1)
    review(resident, cases[:1])
    with CaptureQueriesContext(connection) as small:
        request(client, page)

    more = add_cases([alice, bob], 27, images=5)
    review(resident, more[:24])  # many attempts: 25 of the 30 cases, 9 missed and due
    review(attending, more)  # another reader's count for nothing
    assert Case.objects.published().count() == 30
    with django_assert_max_num_queries(len(small)) as large:
        request(client, page)
    print(f"\n[query count] {page}: {len(small)} with 3 cases and 1 attempt, "
          f"{len(large)} with 30 cases and 25 attempts")


def test_browse_with_marks_seen_before_costs_only_the_reader_and_the_marks(
    alice, bob, resident, django_assert_num_queries
):
    client = client_for(resident)
    review(resident, add_cases([alice, bob], 3, images=1))
    client.get(BROWSE)
    # The session, its user, and the content version read beside the reader's reviews of the
    # cards (cases/views.py, _marked_on_guess).
    with django_assert_num_queries(3):
        response = client.get(BROWSE)
    assert response.content.decode().count('class="card-marks"') == 3


@pytest.mark.parametrize("page, queries", [
    ("browse with marks", 1),  # the content version beside the marks
    ("random unseen", 1),  # the draw
    ("random due", 1),
])  # fmt: skip
def test_with_the_shared_cache_a_page_seen_before_reads_only_what_is_the_readers_own(
    page, queries, shared_users, alice, bob, resident, django_assert_num_queries
):
    """The session and its user are read in the same query (accounts/reading.py)."""
    client = client_for(resident)
    cases = add_cases([alice, bob], 4, images=1)
    review(resident, cases[:3])  # one missed and due, one left unseen
    url, query, status = PAGES[page]
    assert client.get(url, query).status_code == status
    # From the start of the random keys, so that the draw never wraps round (a second query).
    with django_assert_num_queries(queries), mock.patch("cases.memory.random.random",
                                                        return_value=0.0):  # fmt: skip
        assert client.get(url, query).status_code == status
