"""The homepage's "N cases due for review" and the button that draws one of them."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attempts import scheduling
from cases.models import Case
from tests.attempts.test_scheduling import START, answered
from tests.factories import client_for, make_case
from tests.pages import leaked, text_of

HOME = reverse("cases:home")
DRAW = reverse("attempts:review_due")


def test_a_reader_sees_how_many_of_their_cases_are_due(alice, resident):
    for case in [make_case(alice) for _ in range(3)]:
        answered(resident, case, "missed", START)  # due hours later, long past by now
    answered(resident, make_case(alice), "correct", datetime.now(UTC))  # due in days
    response = client_for(resident).get(HOME)
    assert "3 cases due for review" in text_of(response)
    assert DRAW in response.content.decode()


def test_with_nothing_due_there_is_no_button(alice, resident):
    answered(resident, make_case(alice), "correct", datetime.now(UTC))
    response = client_for(resident).get(HOME)
    assert "0 cases due for review" in text_of(response)
    assert DRAW not in response.content.decode()


def test_the_count_is_the_readers_own(alice, resident, other_resident, attending):
    for case in [make_case(alice) for _ in range(2)]:
        answered(other_resident, case, "missed", START)
    answered(resident, make_case(alice), "missed", START)
    assert "1 case due for review" in text_of(client_for(resident).get(HOME))
    assert "2 cases due for review" in text_of(client_for(other_resident).get(HOME))
    assert "0 cases due for review" in text_of(client_for(attending).get(HOME))


def test_a_withdrawn_case_is_neither_counted_nor_drawn(alice, resident):
    case = make_case(alice)
    answered(resident, case, "missed", START)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)
    assert "0 cases due for review" in text_of(client_for(resident).get(HOME))
    assert scheduling.draw_due(resident) is None


def test_an_anonymous_visitor_has_no_due_count(alice, resident, client):
    answered(resident, make_case(alice), "missed", START)
    client.get(HOME)  # the anonymous page is cached: read it again from the cache too
    for response in (client.get(HOME), Client().get(HOME)):
        assert "due for review" not in text_of(response)
        assert DRAW not in response.content.decode()


def test_the_anonymous_cached_homepage_never_shows_a_readers_count(alice, resident, client):
    answered(resident, make_case(alice), "missed", START)
    client_for(resident).get(HOME)
    assert "due for review" not in text_of(client.get(HOME))


def test_the_button_draws_one_of_the_readers_due_cases(alice, resident, other_resident):
    mine = make_case(alice)
    answered(resident, mine, "missed", START)
    answered(resident, make_case(alice), "correct", datetime.now(UTC))  # not due
    answered(other_resident, make_case(alice), "missed", START)  # someone else's
    for _ in range(5):
        response = client_for(resident).get(DRAW)
        assert response.status_code == 302
        assert response["Location"] == mine.get_absolute_url("academic")


def test_a_case_comes_back_when_it_is_due(alice, resident):
    case = make_case(alice)
    review = answered(resident, case, "correct", START)
    assert scheduling.draw_due(resident, now=START + timedelta(hours=5)) is None
    assert scheduling.draw_due(resident, now=review.due) == case.pk
    assert scheduling.due_reviews(resident, now=review.due - timedelta(seconds=1)).count() == 0


def test_the_draw_reads_a_bounded_run_of_the_most_overdue(alice, resident):
    cases = [make_case(alice) for _ in range(4)]
    for n, case in enumerate(cases):
        answered(resident, case, "missed", START + timedelta(hours=n))
    with mock.patch.object(scheduling, "DRAW_FROM", 2):
        drawn = {scheduling.draw_due(resident) for _ in range(30)}
    assert drawn <= {cases[0].pk, cases[1].pk}


def test_with_nothing_due_the_button_says_so(resident):
    response = client_for(resident).get(DRAW)
    assert response.status_code == 404
    assert "No case is due for review" in text_of(response)


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(DRAW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- leaks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("whose", ["mine", "another reader's"])
def test_the_due_count_and_the_draw_show_nothing_hidden(
    secret_case, resident, other_resident, whose
):
    answered(resident if whose == "mine" else other_resident, secret_case, "missed", START)
    client = client_for(resident)
    home = client.get(HOME)
    assert leaked(home) == []
    draw = client.get(DRAW, follow=True)
    assert leaked(draw) == []
    assert draw.status_code == (200 if whose == "mine" else 404)


# --- queries -------------------------------------------------------------------------------------


def home_for(user):
    cache.clear()  # the statistics and the card are counted afresh each time
    with mock.patch("cases.models.case.random.random", return_value=1.0):
        response = client_for(user).get(HOME)
    assert response.status_code == 200
    return response


def test_the_homepage_costs_the_same_queries_with_more_cases_due(
    alice, resident, django_assert_max_num_queries
):
    answered(resident, make_case(alice), "missed", START)
    with CaptureQueriesContext(connection) as small:
        home_for(resident)
    for n in range(30):
        answered(resident, make_case(alice), "missed" if n % 2 else "correct", START)
    with django_assert_max_num_queries(len(small)) as large:
        response = home_for(resident)
    assert "31 cases due for review" in text_of(response)
    print(f"\n[query count] home, logged in: {len(small)} with 1 case due, "
          f"{len(large)} with 31 due")
