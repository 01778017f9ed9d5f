"""The written-out statements of a reader's hot pages (cases/memory.py, attempts/scheduling.py)
draw exactly what the ORM's select() and random_one() draw: for every random point, the same
case, with the reader's reviews, another reader's, and a case withdrawn among them."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from attempts.models import Grade, Review
from cases import memory
from cases.caching import content_version
from cases.models import Case
from tests.factories import make_case

POINTS = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999, 1.0]


@pytest.fixture
def shelf(alice, resident, attending):
    """Twelve published cases and a withdrawn one; the resident reviewed eight, every other one
    of them missed, half due; the attending reviewed the rest."""
    now = timezone.now()
    cases = [make_case(alice) for _ in range(12)]
    for n, case in enumerate(cases[:8]):
        grade = Grade.MISSED if n % 2 else Grade.CORRECT
        due = now + timedelta(days=-1 if n % 4 < 2 else 3)
        Review.objects.create(reader=resident, case=case, last_grade=grade, due=due)
    for case in cases[8:]:
        Review.objects.create(reader=attending, case=case, last_grade=Grade.MISSED, due=now)
    withdrawn = make_case(alice)
    Review.objects.create(reader=resident, case=withdrawn, last_grade=Grade.MISSED, due=now)
    Case.objects.filter(pk=withdrawn.pk).update(status=Case.Status.DRAFT)
    return cases


def orm_draw(reader, choice, now):
    case = memory.select(Case.objects.published(), reader, choice, now).random_one()
    return case.pk if case else None


@pytest.mark.parametrize("choice", [memory.UNSEEN, memory.MISSED, memory.DUE])
def test_the_draw_is_the_orms_for_every_random_point(choice, resident, shelf):
    now = timezone.now()
    for point in POINTS:
        with mock.patch("cases.memory.random.random", return_value=point), \
             mock.patch("cases.models.case.random.random", return_value=point):  # fmt: skip
            assert memory.draw(resident.pk, choice, now) == orm_draw(resident, choice, now), point


def test_the_draw_finds_none_when_nothing_is_left(resident, alice):
    case = make_case(alice)
    Review.objects.create(reader=resident, case=case, last_grade=Grade.CORRECT,
                          due=timezone.now() + timedelta(days=3))  # fmt: skip
    assert memory.draw(resident.pk, memory.UNSEEN) is None
    assert memory.draw(resident.pk, memory.MISSED) is None
    assert memory.draw(resident.pk, memory.DUE) is None


def test_the_marks_are_the_readers_reviews_of_the_page(resident, shelf):
    now = timezone.now()
    reviews = Review.objects.filter(reader=resident, case__in=shelf)
    expected = {r.case_id: memory.marks_html((r.last_grade, r.due <= now)) for r in reviews}

    assert memory.marks_of([case.pk for case in shelf], resident, now) == expected
    assert "".join(expected.values()).count("card-marks") == 8
    assert "".join(expected.values()).count("mark-due") == 4


def test_the_version_is_read_beside_the_same_marks(resident, shelf):
    now = timezone.now()
    version, marks = memory.with_version([case.pk for case in shelf], resident.pk, now)

    assert version == content_version()
    assert marks == memory.marks_of([case.pk for case in shelf], resident, now)


def test_a_page_of_cards_the_reader_never_saw_has_no_marks_but_its_version(resident, shelf):
    unseen = [case.pk for case in shelf[8:]]

    assert memory.marks_of(unseen, resident) == {}
    assert memory.with_version(unseen, resident.pk) == (content_version(), {})
