"""`manage.py generate_cases --readers N --attempts-per-reader M`: residents who answered distinct
cases, with the reviews the scheduler would have given them, for load tests of a reader's pages."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from attempts import scheduling
from attempts.models import Attempt, Review
from cases import roles
from cases.models import Case
from cases.synthetic.readers import READER_PASSWORD, READER_PREFIX
from tests.factories import make_case

READERS, ATTEMPTS, CASES = 3, 7, 12


def generate(count=CASES, **options):
    out = StringIO()
    call_command("generate_cases", count, seed=1, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def readers(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        generate(readers=READERS, attempts_per_reader=ATTEMPTS)
    return get_user_model().objects.filter(username__startswith=READER_PREFIX).order_by("pk")


def logged_in(reader):
    """A client of the reader, whose password is the one documented (the benchmark logs in
    with it through the login page; client.login() would bypass the login throttle's request)."""
    assert reader.check_password(READER_PASSWORD)
    client = Client()
    client.force_login(reader)
    return client


def test_it_creates_residents_who_each_answered_distinct_cases(readers):
    assert [r.username for r in readers] == [f"{READER_PREFIX}{n}" for n in (1, 2, 3)]
    for reader in readers:
        assert set(reader.groups.values_list("name", flat=True)) == {roles.RESIDENTS}
        cases = list(Attempt.objects.filter(reader=reader).values_list("case", flat=True))
        assert len(cases) == len(set(cases)) == ATTEMPTS
    assert Attempt.objects.filter(case__status=Case.Status.PUBLISHED).count() == READERS * ATTEMPTS


def test_each_attempt_has_the_review_the_scheduler_gives_it(readers):
    assert Review.objects.count() == READERS * ATTEMPTS
    for attempt in Attempt.objects.filter(reader__in=readers):
        review = Review.objects.get(reader=attempt.reader, case=attempt.case)
        assert (review.last_grade, review.attempts) == (attempt.grade, 1)
        replayed = scheduling.reschedule(attempt.reader, attempt.case_id)
        assert (replayed.due, replayed.card) == (review.due, review.card)


def test_its_attempts_look_like_a_readers(readers):
    attempts = Attempt.objects.filter(reader__in=readers)
    for attempt in attempts:
        assert attempt.opened_at < attempt.committed_at
        assert attempt.diagnosis and attempt.confidence in Attempt.Confidence.values
    grades = attempts.values("automatic_grade").annotate(n=Count("id"))
    assert len(grades) > 1


def test_a_generated_reader_browses_with_marks_and_draws_unseen_cases(readers):
    reader = readers.first()
    client = logged_in(reader)
    assert client.get(reverse("cases:browse", args=["academic"])).content.count(
        b"mark-seen"
    ) >= 1
    seen = set(Attempt.objects.filter(reader=reader).values_list("case", flat=True))
    for _ in range(5):
        response = client.get(reverse("cases:random", args=["academic"]), {"memory": "unseen"})
        assert response.status_code == 302
        assert response.url.split("/")[3] not in {str(pk) for pk in seen}


@pytest.mark.parametrize("url", [
    reverse("cases:browse", args=["academic"]) + "?memory=due",
    reverse("cases:browse", args=["academic"]) + "?memory=missed",
    reverse("attempts:progress"),
])
def test_a_generated_readers_own_pages_work(url, readers):
    assert logged_in(readers.first()).get(url).status_code == 200


def test_readers_can_be_added_to_cases_already_there(db, alice):
    for _ in range(3):
        make_case(alice)
    generate(0, readers=2, attempts_per_reader=3)
    assert Attempt.objects.count() == 6


@pytest.mark.parametrize("option", ["--readers", "--attempts-per-reader"])
def test_it_refuses_a_negative_number(db, option):
    with pytest.raises(CommandError, match="must be 0 or more"):
        call_command("generate_cases", "0", option, "-1")


def test_it_refuses_more_attempts_a_reader_than_published_cases(db):
    with pytest.raises(CommandError, match="more than the 12 published cases"):
        generate(readers=1, attempts_per_reader=13)
    assert not Case.objects.exists()  # refused before anything was written


def test_it_refuses_to_create_readers_twice(readers):
    with pytest.raises(CommandError, match="synthetic readers"):
        generate(0, readers=1, attempts_per_reader=1)
