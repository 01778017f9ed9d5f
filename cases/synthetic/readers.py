"""Synthetic residents and their attempts, for load tests of the academic pages a reader's own
marks and filters change (cases/memory.py, attempts/).

Each reader answers distinct published cases, once each, at times spread over the past months.
An answer is the case's diagnosis (correct), another diagnosis with the right one in the
reader's differential (partly right), or another diagnosis (missed); the automatic grade is
cases/grading.py's on that answer against the case's diagnosis (not its differentials, which
are not read: an answer that happens to be one of them would be partly right on the site). Some
grades are confirmed, a few of those changed. Each attempt's Review is scheduled by
attempts/scheduling.py itself, so replaying the attempts gives the same card: one attempt at a
case comes back within eight days at most, so a case answered more than a week ago is due.
Rows go in by COPY on PostgreSQL (bulk_create elsewhere), one transaction per reader.
"""

import json
import random
from collections import namedtuple
from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from attempts.models import Attempt, Review
from attempts.scheduling import card_after
from cases import grading
from cases.models import Case
from cases.roles import RESIDENTS
from cases.synthetic.compose import WORDS, capitalised
from cases.synthetic.writer import USERNAME_PREFIX

READER_PREFIX = f"{USERNAME_PREFIX}reader-"  # synthetic-reader-1, synthetic-reader-2, ...
READER_PASSWORD = "synthetic-reader"  # every synthetic reader's: load tests log in with it
SPREAD = timedelta(days=180)  # committed times reach this far back
BULK_BATCH = 1000
DIAGNOSES = [capitalised(name) for name in WORDS["diagnoses"]]
# (grade the answer aims at, its weight); then confidence weights per grade: low, medium, high.
AIMS = ((grading.CORRECT, 55), (grading.PARTLY, 20), (grading.MISSED, 25))
CONFIDENCES = [choice.value for choice in Attempt.Confidence]  # low, medium, high
CONFIDENCE_WEIGHTS = {
    grading.CORRECT: (15, 40, 45), grading.PARTLY: (35, 50, 15), grading.MISSED: (60, 30, 10),
}
CONFIRMED_SHARE = 0.2  # of attempts whose reader confirmed the grade
CHANGED_SHARE = 0.25  # of confirmed grades the reader changed (missed or partly up one step)
ATTEMPT_FIELDS = ("reader_id", "case_id", "diagnosis", "differentials", "confidence",
                  "automatic_grade", "confirmed_grade", "opened_at", "committed_at")
REVIEW_FIELDS = ("reader_id", "case_id", "last_grade", "attempts", "due", "card", "updated_at")
UPGRADE = {grading.MISSED: grading.PARTLY, grading.PARTLY: grading.CORRECT}


class Row(namedtuple("Row", ATTEMPT_FIELDS)):
    """An attempt's values, lighter than an Attempt, which the scheduler reads alike."""

    __slots__ = ()

    @property
    def grade(self):
        return self.confirmed_grade or self.automatic_grade


def reader_name(number):
    return f"{READER_PREFIX}{number}"


def check(readers, attempts_per_reader, new_cases=0):
    """Refuse what cannot be generated, before anything is: each reader answers distinct
    published cases, and the readers' names must be free."""
    published = Case.objects.published().count() + new_cases
    if attempts_per_reader > published:
        raise CommandError(
            f"--attempts-per-reader {attempts_per_reader} is more than the {published} published "
            "cases: each reader answers distinct cases."
        )
    taken = get_user_model().objects.filter(username__startswith=READER_PREFIX)
    if readers and taken.exists():
        raise CommandError(f"There are synthetic readers ({READER_PREFIX}*) already.")


@cache
def automatic_grade(answer, diagnosis, differential):
    """The grader's verdict; answers and diagnoses come from one short list, so it runs once
    per pair (it takes ~0.3 ms, which a million attempts would make minutes)."""
    return grading.grade(answer, diagnosis, answer_differentials=[differential] if differential
                         else [])


class ReaderWriter:
    """Reads the published cases once; write() adds readers with their attempts."""

    def __init__(self, seed=None):
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.cases = list(Case.objects.published().order_by("pk").values_list("pk", "diagnosis"))
        # Hashed once: a password hash takes most of a second, by design.
        self.password = make_password(READER_PASSWORD)
        self.group = Group.objects.get_or_create(name=RESIDENTS)[0]

    def write(self, readers, attempts_per_reader):
        """Create the readers, then each one's attempts and reviews in a transaction; yields
        each reader when theirs are in."""
        for user in self.create_readers(readers):
            with transaction.atomic():
                self.answer(user, attempts_per_reader)
            yield user

    def create_readers(self, count):
        users = get_user_model().objects.bulk_create([
            get_user_model()(
                username=reader_name(n), password=self.password, first_name="Reader",
                last_name=str(n), email=f"{reader_name(n)}@example.org",
            )
            for n in range(1, count + 1)
        ])
        if not users or users[0].pk is None:  # SQLite before 3.35 returns no ids
            users = list(get_user_model().objects.filter(username__startswith=READER_PREFIX))
        membership = get_user_model().groups.through
        membership.objects.bulk_create(
            [membership(user_id=user.pk, group_id=self.group.pk) for user in users]
        )
        return users

    def answer(self, reader, count):
        attempts, reviews = [], []
        for case_id, diagnosis in self.rng.sample(self.cases, count):
            attempt = self.attempt(reader.pk, case_id, diagnosis)
            attempts.append(attempt)
            reviews.append(review_of(attempt))
        insert(Attempt, ATTEMPT_FIELDS, attempts)
        insert(Review, REVIEW_FIELDS, reviews)

    def attempt(self, reader_id, case_id, diagnosis):
        """An attempt's values, in ATTEMPT_FIELDS' order."""
        rng = self.rng
        aim = rng.choices([aim for aim, _ in AIMS], [weight for _, weight in AIMS])[0]
        answer, differentials = self.answer_text(aim, diagnosis)
        automatic = automatic_grade(answer, diagnosis, differentials[0] if differentials else "")
        committed = self.now - SPREAD * rng.random()
        return Row(
            reader_id, case_id, answer, differentials,
            rng.choices(CONFIDENCES, CONFIDENCE_WEIGHTS[aim])[0], automatic,
            self.confirmed(automatic), committed - timedelta(seconds=30 + rng.expovariate(1 / 150)),
            committed,
        )

    def answer_text(self, aim, diagnosis):
        """(diagnosis, differentials) a reader aiming at this grade would write."""
        if aim == grading.CORRECT:
            return diagnosis, []
        other = self.rng.choice(DIAGNOSES)
        return other, ([diagnosis] if aim == grading.PARTLY else [])

    def confirmed(self, automatic):
        if self.rng.random() >= CONFIRMED_SHARE:
            return ""
        if automatic in UPGRADE and self.rng.random() < CHANGED_SHARE:
            return UPGRADE[automatic]
        return automatic


def review_of(attempt):
    """The review scheduling.reschedule() would store after this one attempt, as a row."""
    card = card_after([attempt], card_id=attempt.case_id)
    return (attempt.reader_id, attempt.case_id, attempt.grade, 1, card.due, card.to_dict(),
            attempt.committed_at)


def insert(model, fields, rows):
    """Insert the rows (tuples of fields' values). PostgreSQL copies them in, ~10 times faster
    than bulk_create's INSERTs, which are built a model instance and a value at a time."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows],
                                  batch_size=BULK_BATCH)
        return
    json_fields = {f.attname for f in model._meta.fields if f.get_internal_type() == "JSONField"}
    dumped = [index for index, name in enumerate(fields) if name in json_fields]
    columns = ", ".join(model._meta.get_field(name.removesuffix("_id")).column for name in fields)
    with connection.cursor() as cursor, cursor.copy(
        f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    ) as copy:
        for row in rows:
            row = list(row)
            for index in dumped:
                row[index] = json.dumps(row[index])
            copy.write_row(row)
