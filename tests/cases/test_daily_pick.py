"""Which case a day shows (cases/daily/picking.py): an editor's schedule, else a pick that the
date alone decides among the cases not shown within 180 days, recorded on the day's first ask."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache

from cases.daily import picking
from cases.models import Case, CaseOfTheDay
from tests.factories import make_case

DAY = date(2026, 12, 6)


@pytest.fixture
def cases(alice):
    return [make_case(alice, images=0, title=f"Case {n}") for n in range(6)]


def days_from(start, count):
    return [start + timedelta(days=n) for n in range(count)]


def test_the_same_day_gives_the_same_case_however_often_it_is_asked(cases):
    first = picking.pick(DAY)
    assert all(picking.pick(DAY) == first for _ in range(5))


def test_the_pick_depends_on_the_date_alone_not_on_a_process_or_its_cache(cases):
    shown = picking.case_of_the_day(DAY)
    CaseOfTheDay.objects.all().delete()  # as if recorded by no one: a fresh worker asks again
    cache.clear()
    assert picking.case_of_the_day(DAY) == shown
    assert picking.point_of(DAY) == picking.point_of(date(2026, 12, 6))
    assert picking.point_of(DAY) != picking.point_of(DAY + timedelta(days=1))


def test_different_days_pick_different_cases(cases):
    picks = {picking.pick(day) for day in days_from(DAY, 40)}
    assert len(picks) > 1


def test_the_first_ask_records_the_automatic_pick(cases):
    pk = picking.case_of_the_day(DAY)
    row = CaseOfTheDay.objects.get(date=DAY)
    assert (row.case_id, row.scheduled_by) == (pk, None)
    assert picking.case_of_the_day(DAY) == pk
    assert CaseOfTheDay.objects.count() == 1


def test_no_case_repeats_within_180_days_while_candidates_remain(cases):
    shown = [picking.case_of_the_day(day) for day in days_from(DAY, len(cases))]
    assert sorted(shown) == sorted(case.pk for case in cases)


def test_when_every_case_was_shown_the_one_shown_longest_ago_comes_back(cases):
    shown = [picking.case_of_the_day(day) for day in days_from(DAY, len(cases))]
    after = DAY + timedelta(days=len(cases))
    assert picking.case_of_the_day(after) == shown[0]
    assert picking.case_of_the_day(after + timedelta(days=1)) == shown[1]


def test_a_case_shown_more_than_180_days_ago_is_a_candidate_again(alice):
    case = make_case(alice, images=0)
    CaseOfTheDay.objects.create(date=DAY - timedelta(days=181), case=case)
    other = make_case(alice, images=0)
    CaseOfTheDay.objects.create(date=DAY - timedelta(days=180), case=other)
    assert picking.pick(DAY) == case.pk


def test_a_case_scheduled_for_a_later_day_is_not_picked_before_it(cases, editor):
    natural = picking.pick(DAY)
    CaseOfTheDay.objects.create(date=DAY + timedelta(days=10), case_id=natural, scheduled_by=editor)
    assert picking.pick(DAY) not in (natural, None)


def test_a_scheduled_day_shows_its_case(cases, editor):
    chosen = next(case for case in cases if case.pk != picking.pick(DAY))
    CaseOfTheDay.objects.create(date=DAY, case=chosen, scheduled_by=editor)
    assert picking.case_of_the_day(DAY) == chosen.pk


def test_drafts_are_never_picked(alice):
    make_case(alice, images=0, status=Case.Status.DRAFT)
    published = make_case(alice, images=0)
    assert {picking.case_of_the_day(day) for day in days_from(DAY, 5)} == {published.pk}


def test_an_empty_repository_has_no_case_of_the_day_and_records_nothing(db):
    assert picking.case_of_the_day(DAY) is None
    assert not CaseOfTheDay.objects.exists()


def test_a_withdrawn_case_falls_back_to_the_pick_and_keeps_the_schedule(cases, editor):
    chosen = next(case for case in cases if case.pk != picking.pick(DAY))
    CaseOfTheDay.objects.create(date=DAY, case=chosen, scheduled_by=editor)
    Case.objects.filter(pk=chosen.pk).update(status=Case.Status.DRAFT)  # no signal, no version
    assert picking.case_of_the_day(DAY) == picking.pick(DAY) != chosen.pk
    assert CaseOfTheDay.objects.get(date=DAY).case_id == chosen.pk
    Case.objects.filter(pk=chosen.pk).update(status=Case.Status.PUBLISHED)
    assert picking.case_of_the_day(DAY) == chosen.pk


def test_the_pick_is_two_indexed_queries_at_most_however_many_cases(
    cases, alice, django_assert_max_num_queries
):
    for day in days_from(DAY - timedelta(days=3), 3):
        picking.case_of_the_day(day)
    for n in range(20):
        make_case(alice, images=0, title=f"More {n}")
    # At or after the date's point on random_key; from the start when none is (wrapping round).
    with django_assert_max_num_queries(2):
        assert picking.pick(DAY) is not None
    # A recorded day: one query.
    picking.case_of_the_day(DAY)
    with django_assert_max_num_queries(1):
        picking.case_of_the_day(DAY)
