"""A set's pages cost a fixed number of queries however many cases, images and readers' attempts
the set has: each is counted on a set of two cases and again on one of six, with attempts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attempts.models import Attempt, Grade
from tests.factories import client_for, make_case, make_set

# (who, page): the queries each costs, whatever the set's size. A logged-in reader's request
# costs 2 of them (the session and the user) and 1 for the header (may they read standard?),
# asked once a request however many times the view and the header ask it.
QUERIES = {
    ("anonymous", "list"): 2,
    ("attending", "list"): 8,
    ("anonymous", "academic"): 5,
    ("resident", "academic"): 9,
    ("attending", "academic"): 10,
    ("attending", "standard"): 10,
    ("resident", "present academic"): 12,
    ("attending", "present standard"): 12,
    ("resident", "replay"): 12,
    ("attending", "edit"): 7,
}


def url_of(page, case_set):
    token = case_set.token
    return {
        "list": reverse("casesets:list"),
        "academic": reverse("casesets:detail", args=["academic", token]),
        "standard": reverse("casesets:detail", args=["standard", token]),
        "present academic": reverse("casesets:present", args=["academic", token]),
        "present standard": reverse("casesets:present", args=["standard", token]),
        "replay": reverse("casesets:replay", args=[token, 2]),
        "edit": reverse("casesets:edit", args=[case_set.pk]),
    }[page]


def build_set(owner, author, readers, size):
    cases = [make_case(author, images=2, title=f"Case {n}") for n in range(size)]
    case_set = make_set(owner, cases, visibility="listed", notes=["A note"] * size)
    now = timezone.now()
    for reader in readers:
        for case in cases:
            Attempt.objects.create(
                reader=reader, case=case, diagnosis="Guess", confidence="high",
                automatic_grade=Grade.PARTLY, opened_at=now - timedelta(minutes=1),
            )  # fmt: skip
    return case_set


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(("who", "page"), list(QUERIES))
def test_a_set_page_costs_the_same_queries_with_more_cases_and_attempts(
    who, page, alice, attending, resident, rory
):
    user = {"anonymous": None, "attending": attending, "resident": resident}[who]
    small = build_set(attending, alice, [resident], 2)
    large = build_set(attending, alice, [resident, rory], 6)
    client = client_for(user)
    client.get(url_of(page, small))  # the session and content version warmed once
    assert (count(client, url_of(page, small)), count(client, url_of(page, large))) == (
        QUERIES[who, page], QUERIES[who, page]
    )
