"""The homepage's card and the random page draw from a pool of random case ids (cases/results.py),
drawn once a minute per workflow and filters and at every save; the card is rendered once per case,
workflow and content version. A homepage or a random redirect seen before costs one query: the
content version."""

from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from cases import results
from cases.models import Case
from tests.factories import make_case

SECRET_TITLE = "Quokka bite of the thumb"  # standard shows the title, academic never


@pytest.fixture
def case(alice):
    return make_case(alice, title=SECRET_TITLE, unknown_title="Thumb pain", anatomy="chest")


def home(workflow="academic"):
    client = Client()
    client.cookies["workflow"] = workflow
    response = client.get(reverse("cases:home"))
    assert response.status_code == 200
    return response.content.decode()


def random_location(workflow="academic", **filters):
    response = Client().get(reverse("cases:random", args=[workflow]), filters)
    assert response.status_code == 302
    return response["Location"]


def test_a_homepage_seen_before_costs_the_content_version_and_the_day(
    case, django_assert_num_queries
):
    home()
    # The day's case is asked on every request (cases/daily/picking.py), so that a withdrawn
    # one leaves at once and midnight moves the day.
    with django_assert_num_queries(2):
        assert "Thumb pain" in home()


def test_a_random_redirect_seen_before_costs_only_the_content_version(
    case, django_assert_num_queries
):
    random_location(anatomy="chest")
    with django_assert_num_queries(1):
        assert random_location(anatomy="chest") == f"/academic/cases/{case.pk}/?anatomy=chest"


def test_the_academic_card_is_never_the_cached_standard_one(case):
    assert SECRET_TITLE in home("standard")
    page = home("academic")
    assert SECRET_TITLE not in page and "Thumb pain" in page


def test_an_edited_case_shows_on_the_homepage_at_once(case):
    home("standard")
    case.title = "Quokka bite of the index finger"
    case.save()
    assert "Quokka bite of the index finger" in home("standard")


def test_an_unpublished_case_leaves_the_pool_at_once(case, alice):
    other = make_case(alice, title="Other", anatomy="chest")
    random_location()
    other.status = Case.Status.DRAFT
    other.save()
    landed = {random_location() for _ in range(20)}
    assert landed == {f"/academic/cases/{case.pk}/"}


def test_a_new_pool_is_drawn_every_minute(case, alice):
    other = make_case(alice, title="Other")
    minute = 10**9 // results.POOL_SECONDS * results.POOL_SECONDS
    with mock.patch("cases.results.time.time", return_value=minute):
        assert len({random_location() for _ in range(30)}) == 2
    # A change no signal reports (an update in bulk) keeps the version: the next minute's pool
    # is drawn afresh all the same.
    Case.objects.filter(pk=other.pk).update(status=Case.Status.DRAFT)
    with mock.patch("cases.results.time.time", return_value=minute + results.POOL_SECONDS):
        assert {random_location() for _ in range(30)} == {f"/academic/cases/{case.pk}/"}


def test_a_pool_is_a_run_of_random_keys_wrapping_round(alice):
    cases = [make_case(alice, title=f"Case {n}") for n in range(5)]
    for key, case in zip((0.1, 0.3, 0.5, 0.7, 0.9), cases, strict=False):
        Case.objects.filter(pk=case.pk).update(random_key=key)
    with mock.patch.object(results, "POOL_SIZE", 3), \
            mock.patch("cases.results.random.random", return_value=0.6):
        pool = results.draw_pool(Case.objects.published())
    assert pool == [cases[3].pk, cases[4].pk, cases[0].pk]


def test_a_pool_never_repeats_a_case_when_there_are_fewer_than_it_holds(alice):
    cases = [make_case(alice, title=f"Case {n}") for n in range(3)]
    with mock.patch("cases.results.random.random", return_value=0.0):
        assert sorted(results.draw_pool(Case.objects.published())) == sorted(c.pk for c in cases)
