"""When a case comes back to a reader: the FSRS scheduler (the `fsrs` package, the one Anki uses)
run over the reader's graded attempts at the case.

Grades become FSRS ratings so:

| grade | confidence | rating |
|---|---|---|
| missed | any | Again: back the same day (a four-hour relearning step) |
| partly right | any | Hard |
| correct | low or medium | Good: a first correct answer comes back in about two days |
| correct | high | Easy: right and sure of it, so it waits longest (about eight days at first) |

The card is never updated in place: `reschedule` replays every attempt of the reader at the case,
in the order they were committed, at the time each was committed, with the grade that counts
(the confirmed one, else the automatic one). Confirming or correcting a grade therefore schedules
from the card as it stood before that attempt, and a grade is never counted twice. Replay has to
give the same card each time, so the scheduler does not fuzz intervals. A reader answers a case
a handful of times, so a replay reads a few rows through the (reader, case) index.
"""

import random
from datetime import UTC, timedelta

from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from attempts.models import Attempt, Grade, Review
from cases.models import Case
from operations import statements

# One step of four hours, in learning and relearning: a missed case (Again) comes back within the
# day, while a right answer (Good or Easy) leaves learning at once for an interval of days. Minutes,
# FSRS's defaults, suit flashcards, not a case whose answer the reader has just read.
SCHEDULER = Scheduler(
    learning_steps=(timedelta(hours=4),),
    relearning_steps=(timedelta(hours=4),),
    enable_fuzzing=False,
)


DRAW_FROM = 50  # a due case is drawn from this many of the reader's most overdue


def rating(grade, confidence):
    """The FSRS rating of an attempt graded `grade`, answered with `confidence`."""
    if grade == Grade.MISSED:
        return Rating.Again
    if grade == Grade.PARTLY:
        return Rating.Hard
    return Rating.Easy if confidence == Attempt.Confidence.HIGH else Rating.Good


def card_after(attempts, card_id):
    """The FSRS card after these attempts (oldest first), each reviewed when it was committed."""
    card = None
    for attempt in attempts:
        at = attempt.committed_at.astimezone(UTC)
        card = card or Card(card_id=card_id, due=at)  # a card_id spares Card() its 1 ms sleep
        card, _ = SCHEDULER.review_card(card, rating(attempt.grade, attempt.confidence), at)
    return card


def reschedule(reader, case_id):
    """The reader's Review of the case, brought up to date with all their attempts at it; None if
    they have made none."""
    attempts = list(
        Attempt.objects.filter(reader=reader, case=case_id).order_by("committed_at", "id")
    )
    if not attempts:
        Review.objects.filter(reader=reader, case=case_id).delete()
        return None
    card = card_after(attempts, card_id=case_id)
    review, _ = Review.objects.update_or_create(
        reader=reader,
        case_id=case_id,
        defaults={
            "last_grade": attempts[-1].grade,
            "attempts": len(attempts),
            "due": card.due,
            "card": card.to_dict(),
            "updated_at": timezone.now(),
        },
    )
    return review


def due_reviews(reader, now=None):
    """The reader's reviews due by now, of published cases (one range of the (reader, due) index);
    none for an anonymous reader."""
    return Review.objects.of_reader(reader).on_published().due(now)


def draw_due(reader, now=None):
    """The id of one of the reader's due cases, at random among the most overdue, or None. One
    query, reading at most DRAW_FROM rows of the (reader, due) index however many are due."""
    if not reader.is_authenticated:
        return None
    # Written out rather than built by the ORM: the homepage's button sends it each time, and
    # building it cost more than the answer. tests/attempts/test_due_reviews.py holds it to
    # due_reviews(). Prepared on PostgreSQL (operations/statements.py).
    now = statements.moment(now)
    with statements.cursor() as cursor:
        cursor.execute(_DRAW_DUE, [reader.pk, now, Case.Status.PUBLISHED, DRAW_FROM])
        drawn = [case for (case,) in cursor.fetchall()]
    return random.choice(drawn) if drawn else None


# The (reader, due) index read in order, each row's case checked published.
_DRAW_DUE = (
    f"SELECT r.case_id FROM {Review._meta.db_table} r "
    f"JOIN {Case._meta.db_table} c ON c.id = r.case_id "
    "WHERE r.reader_id = %s AND r.due <= %s AND c.status = %s ORDER BY r.due LIMIT %s"
)
