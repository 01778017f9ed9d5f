"""The case of the day's pages cost a fixed number of queries however many cases and days there
are. Stated here, and measured on a small repository then a larger one:

- homepage, a day's first request (cold cache): 15, the pick (2) and its record (3, in a
  savepoint) among them; 16 when every published case was shown within 180 days;
- homepage, the day recorded (cold cache): 10;
- homepage seen before: 2 (the content version; the day's case, joined to its publication);
- archive (cold cache): 5 (content version, count, days, their cases, their studies); seen
  before: 1;
- feed: 4 (today's case; the days, their cases, their studies)."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from cases.daily import picking
from cases.models import CaseOfTheDay
from tests.factories import make_case

NOON = datetime(2026, 12, 6, 12, tzinfo=ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def add_days(author, count, images=1):
    """count past days, each of a case of its own."""
    first = CaseOfTheDay.objects.order_by("date").first()
    start = first.date if first else NOON.date()
    for n in range(1, count + 1):
        case = make_case(author, images=images, title=f"Day case {n}")
        CaseOfTheDay.objects.create(date=start - timedelta(days=n), case=case)


def get(url, cold=True):
    if cold:
        cache.clear()
    # Past the last key on random_key: the pick's and the random card's longest path; and the
    # same random card each time.
    with (
        mock.patch("cases.models.case.random.random", return_value=1.0),
        mock.patch("cases.daily.picking.point_of", return_value=1.0),
        mock.patch("cases.views.random.choice", side_effect=lambda pool: pool[0]),
    ):
        response = Client().get(url)
    assert response.status_code == 200
    return response


HOME = reverse("cases:home")
ARCHIVE = reverse("cases:daily_archive", args=["academic"])
FEED = reverse("cases:daily_feed", args=["academic"])


@pytest.mark.parametrize("more", [2, 30])
def test_the_homepages_first_request_of_a_day_costs_15_queries(
    alice, more, django_assert_num_queries
):
    add_days(alice, more)
    unshown = [make_case(alice, title=f"Unshown {n}") for n in range(more)]
    with django_assert_num_queries(15):
        get(HOME)
    assert CaseOfTheDay.objects.get(date=picking.today()).case in unshown


@pytest.mark.parametrize("more", [2, 30])
def test_it_costs_16_when_every_case_was_shown_within_180_days(
    alice, more, django_assert_num_queries
):
    add_days(alice, more)
    with django_assert_num_queries(16):
        get(HOME)
    assert CaseOfTheDay.objects.filter(date=picking.today()).exists()


@pytest.mark.parametrize("more", [2, 30])
def test_the_homepage_with_its_day_recorded_costs_10_queries(
    alice, more, django_assert_num_queries
):
    add_days(alice, more)
    get(HOME)
    with django_assert_num_queries(10):
        get(HOME)
    with django_assert_num_queries(2):
        get(HOME, cold=False)


@pytest.mark.parametrize("days", [2, 40])
def test_the_archive_costs_5_queries_and_1_seen_before(alice, days, django_assert_num_queries):
    add_days(alice, days, images=2)
    with django_assert_num_queries(5):
        get(ARCHIVE)
    with django_assert_num_queries(1):
        get(ARCHIVE, cold=False)


@pytest.mark.parametrize("days", [2, 40])
def test_the_feed_costs_4_queries(alice, days, django_assert_num_queries):
    add_days(alice, days, images=2)
    get(FEED)  # records today's pick
    with django_assert_num_queries(4):
        get(FEED)
