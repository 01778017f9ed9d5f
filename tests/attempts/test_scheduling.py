"""Each graded attempt schedules the case's next review with FSRS (attempts/scheduling.py).

Time is moved forward by committing attempts at chosen times: the scheduler reviews each attempt
at its committed_at, so no clock is read and nothing sleeps."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from fsrs import Rating

from attempts import scheduling
from attempts.models import Attempt, Review
from tests.attempts.test_answering import commit
from tests.factories import client_for
from tests.pages import csrf_token_in

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def answered(reader, case, grade, at, confidence="medium", confirmed=""):
    """An attempt graded `grade` committed at `at`, and the Review that follows."""
    Attempt.objects.create(
        reader=reader,
        case=case,
        diagnosis="An answer",
        confidence=confidence,
        automatic_grade=grade,
        confirmed_grade=confirmed,
        opened_at=at - timedelta(minutes=2),
        committed_at=at,
    )
    return scheduling.reschedule(reader, case.pk)


@pytest.mark.parametrize(
    ("grade", "confidence", "expected"),
    [
        ("missed", "high", Rating.Again),
        ("partly", "high", Rating.Hard),
        ("correct", "low", Rating.Good),
        ("correct", "medium", Rating.Good),
        ("correct", "high", Rating.Easy),
    ],
)
def test_a_grade_and_confidence_become_a_rating(grade, confidence, expected):
    assert scheduling.rating(grade, confidence) == expected


def test_a_missed_case_is_due_again_within_the_day(secret_case, resident):
    review = answered(resident, secret_case, "missed", START)
    assert START < review.due <= START + timedelta(days=1)
    assert review.last_grade == "missed" and review.attempts == 1


def test_a_correct_case_is_due_later_than_a_missed_one(secret_case, resident):
    review = answered(resident, secret_case, "correct", START)
    assert review.due >= START + timedelta(days=1)


def test_a_case_answered_right_with_high_confidence_waits_longest(secret_case, resident):
    sure = answered(resident, secret_case, "correct", START, confidence="high")
    Attempt.objects.all().delete()
    unsure = answered(resident, secret_case, "correct", START, confidence="low")
    assert sure.due > unsure.due


def test_a_right_answer_at_a_review_moves_the_case_further_out(secret_case, resident):
    first = answered(resident, secret_case, "correct", START)
    first_interval = first.due - START
    at = first.due + timedelta(hours=1)  # the case came back and was answered right again
    second = answered(resident, secret_case, "correct", at)
    assert second.due - at > first_interval
    assert second.attempts == 2
    assert Review.objects.count() == 1


def test_missing_a_case_at_its_review_brings_it_back_within_the_day(secret_case, resident):
    first = answered(resident, secret_case, "correct", START)
    at = first.due + timedelta(hours=1)
    second = answered(resident, secret_case, "missed", at)
    assert at < second.due <= at + timedelta(days=1)
    assert second.last_grade == "missed"


def test_the_card_is_kept_as_fsrs_writes_it(secret_case, resident):
    review = answered(resident, secret_case, "correct", START)
    card = scheduling.card_after(Attempt.objects.order_by("committed_at"), secret_case.pk)
    assert review.card == card.to_dict()
    assert datetime.fromisoformat(review.card["due"]) == review.due


def test_a_confirmed_grade_counts_instead_of_the_automatic_one(secret_case, resident):
    review = answered(resident, secret_case, "missed", START, confirmed="correct")
    assert review.last_grade == "correct"
    assert review.due >= START + timedelta(days=1)


def test_confirming_reschedules_from_the_card_before_the_attempt_not_twice(
    secret_case, resident
):
    first = answered(resident, secret_case, "correct", START)
    at = first.due + timedelta(hours=1)
    answered(resident, secret_case, "missed", at)
    attempt = Attempt.objects.get(committed_at=at)
    attempt.confirmed_grade = "correct"
    attempt.save()
    confirmed = scheduling.reschedule(resident, secret_case.pk)
    Attempt.objects.filter(pk=attempt.pk).update(automatic_grade="correct", confirmed_grade="")
    right_at_once = scheduling.reschedule(resident, secret_case.pk)
    assert confirmed.due == right_at_once.due
    assert confirmed.card == right_at_once.card
    assert confirmed.attempts == 2


def test_each_reader_has_their_own_review(secret_case, resident, other_resident):
    answered(resident, secret_case, "missed", START)
    other = answered(other_resident, secret_case, "correct", START)
    mine = Review.objects.get(reader=resident)
    assert mine.due < other.due and mine.last_grade == "missed"


# --- through the pages ---------------------------------------------------------------------------


def with_grade(answer_url):
    """The answer page's last step, where the grade is confirmed (the form with a token)."""
    return f"{answer_url}{'&' if '?' in answer_url else '?'}show=all"


def test_committing_an_answer_schedules_the_case(secret_case, resident):
    commit(client_for(resident), secret_case, diagnosis="Perthes disease")
    attempt, review = Attempt.objects.get(), Review.objects.get()
    assert review.reader == resident and review.case == secret_case
    assert review.last_grade == "missed"
    assert attempt.committed_at < review.due <= attempt.committed_at + timedelta(days=1)


def test_confirming_a_different_grade_reschedules_the_case(secret_case, resident):
    client = client_for(resident)
    url = commit(client, secret_case, diagnosis="Perthes disease")["Location"]
    attempt, missed_due = Attempt.objects.get(), Review.objects.get().due
    client.post(
        reverse("attempts:confirm_grade", args=[secret_case.pk, attempt.pk]),
        {"confirmed_grade": "correct",
         "csrfmiddlewaretoken": csrf_token_in(client.get(with_grade(url)))},
    )
    review = Review.objects.get()
    assert review.last_grade == "correct" and review.attempts == 1
    assert review.due > missed_due
    assert review.due >= attempt.committed_at + timedelta(days=1)


def test_another_reader_cannot_reschedule_someone_elses_attempt(
    secret_case, resident, other_resident
):
    url = commit(client_for(resident), secret_case, diagnosis="Perthes disease")["Location"]
    attempt, before = Attempt.objects.get(), Review.objects.get()
    intruder = client_for(other_resident)
    intruder.post(
        reverse("attempts:confirm_grade", args=[secret_case.pk, attempt.pk]),
        {"confirmed_grade": "correct",
         "csrfmiddlewaretoken": csrf_token_in(intruder.get(with_grade(url)))},
    )
    after = Review.objects.get()
    assert (after.due, after.last_grade) == (before.due, before.last_grade)
    assert not Review.objects.filter(reader=other_resident).exists()
