"""How readers did on a set they replayed: correct, partly right and missed out of the set's cases.

What counts: for each reader and each of the set's published cases, their latest attempt
committed since the set was made, by the grade that counts (the reader's confirmed grade, else
the automatic one: attempts.progress.graded). Attempts from before the set existed are what the
reader knew already, not a replay; attempts are not tied to the set, so a case answered from
elsewhere after that counts too. Each figure is one aggregate query, however many readers,
cases and attempts there are.
"""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from attempts.models import Attempt
from attempts.progress import graded, tallies


@dataclass
class SetScore:
    reader: str
    out_of: int
    answered: int = 0
    correct: int = 0
    partly: int = 0

    @property
    def missed(self):
        return self.answered - self.correct - self.partly

    @property
    def unanswered(self):
        return self.out_of - self.answered


def counted_attempts(case_set, case_ids):
    """Each reader's latest attempt per case of the set, committed since the set was made."""
    since = Attempt.objects.filter(case__in=case_ids, committed_at__gte=case_set.created)
    latest = since.filter(reader=OuterRef("reader"), case=OuterRef("case")).order_by(
        "-committed_at", "-id"
    )
    return since.filter(pk=Subquery(latest.values("pk")[:1]))


def score_of(case_set, case_ids, reader):
    """The reader's own score: only their attempts, nobody else's, ever."""
    score = SetScore(reader.get_username(), len(case_ids))
    if not reader.is_authenticated or not case_ids:
        return score
    row = graded(counted_attempts(case_set, case_ids).filter(reader=reader)).aggregate(
        **tallies(distinct=False)
    )
    score.answered, score.correct, score.partly = row["n"], row["correct"], row["partly"]
    return score


def everyone(case_set, case_ids):
    """[SetScore] of every reader who answered one of the set's cases: for its owner alone."""
    rows = (
        graded(counted_attempts(case_set, case_ids))
        .order_by()
        .values("reader__username")
        .annotate(**tallies(distinct=False))
        .order_by("reader__username")
    )
    return [
        SetScore(row["reader__username"], len(case_ids), row["n"], row["correct"], row["partly"])
        for row in rows
    ]
