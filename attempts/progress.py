"""A reader's progress: accuracy overall and by area, calibration, streak, accuracy over time.

Accuracy scores an attempt by the grade that counts (confirmed, else automatic): correct = 1,
partly right = 0.5, missed = 0. Every figure is one aggregate query over the reader's attempts
(`Attempt.objects.of_reader`), so a page costs the same queries however many attempts there are.
Every attempt is on a case its reader committed on, so the figures by category and level, and
the diagnoses in the export, show nothing of a case the reader has not answered.

A case may hold studies of several modalities: it counts once under each (the counts are of
distinct attempts, so two studies of one modality do not count it twice).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone

from attempts.models import Attempt, Grade
from cases import roles
from cases.models import Study

RECENT = 10  # attempts listed on the page
CHART_WEEKS = 26  # weeks the accuracy chart spans, ending this week
CHART_SIZE = (520, 160)  # the chart's drawing area in SVG units
BREAKDOWNS = {
    "anatomy": ("Anatomy", "case__anatomy__name"),
    "modality": ("Modality", "case__studies__modality__code"),
    "category": ("Diagnostic category", "case__category__name"),
    "level": ("Level", "case__difficulty"),
    "confidence": ("Confidence", "confidence"),
}
BY_AREA = ("anatomy", "modality")  # what the residents' overview shows of each resident


@dataclass
class Score:
    """Attempts under one heading, and how many were right and partly right."""

    label: str
    attempts: int
    correct: int
    partly: int

    @classmethod
    def of(cls, label, row):
        """From a row of tallies()."""
        return cls(label, row["n"], row["correct"], row["partly"])

    @property
    def accuracy(self):
        """Percent, correct = 1, partly right = 0.5, missed = 0; None without attempts."""
        if not self.attempts:
            return None
        return round(100 * (self.correct + 0.5 * self.partly) / self.attempts)


def graded(attempts):
    """The attempts with `counted`, the grade that counts, as a column to aggregate on."""
    return attempts.annotate(
        counted=Coalesce(NullIf(F("confirmed_grade"), Value("")), F("automatic_grade"))
    )


def tallies(distinct):
    return {
        "n": Count("pk", distinct=distinct),
        "correct": Count("pk", filter=Q(counted=Grade.CORRECT), distinct=distinct),
        "partly": Count("pk", filter=Q(counted=Grade.PARTLY), distinct=distinct),
    }


def overall(attempts):
    row = graded(attempts).aggregate(**tallies(distinct=False))
    return Score.of("All", row)


def breakdown(attempts, name):
    """[Score] per value of one heading of BREAKDOWNS, most attempted first: one query."""
    _, field = BREAKDOWNS[name]
    rows = graded(attempts).order_by().values(field).annotate(**tallies(distinct=True))
    scores = [Score.of(_label(name, row[field]), row) for row in rows]
    return sorted(scores, key=lambda score: (-score.attempts, score.label))


def _label(name, value):
    if value is None:
        return "—"
    if name == "confidence":
        return Attempt.Confidence(value).label
    if name == "level":
        return value.capitalize()
    return value


def days(attempts):
    """{date: Score} of the days with attempts, in the current time zone: one query."""
    rows = (
        graded(attempts)
        .annotate(day=TruncDate("committed_at"))
        .order_by()
        .values("day")
        .annotate(**tallies(distinct=False))
    )
    return {row["day"]: Score.of(str(row["day"]), row) for row in rows}


def streak(active_days, today):
    """Consecutive days with at least one attempt, ending today or yesterday (else 0)."""
    day = today if today in active_days else today - timedelta(days=1)
    count = 0
    while day in active_days:
        count += 1
        day -= timedelta(days=1)
    return count


def weekly(active_days, today, weeks=CHART_WEEKS):
    """[Score] per week (Monday to Sunday) of the last `weeks`, oldest first, from days()."""
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in reversed(range(weeks))]
    totals = {monday: Score(f"{monday:%d %b}", 0, 0, 0) for monday in mondays}
    for day, score in active_days.items():
        week = totals.get(day - timedelta(days=day.weekday()))
        if week is not None:
            week.attempts += score.attempts
            week.correct += score.correct
            week.partly += score.partly
    return list(totals.values())


@dataclass
class Point:
    x: float
    y: float
    score: Score


def chart(weeks, size=CHART_SIZE):
    """Where each week with attempts sits on the chart (x along the weeks, y up with accuracy)
    and the polyline through them, in SVG units."""
    width, height = size
    step = width / max(1, len(weeks) - 1)
    points = [
        Point(round(n * step, 1), round(height - height * week.accuracy / 100, 1), week)
        for n, week in enumerate(weeks)
        if week.attempts
    ]
    return {
        "width": width,
        "height": height,
        "points": points,
        "line": " ".join(f"{point.x},{point.y}" for point in points),
        "first": weeks[0].label if weeks else "",
        "last": weeks[-1].label if weeks else "",
    }


def recent(attempts, count=RECENT):
    return list(attempts.select_related("case")[:count])


def figures(reader):
    """Everything the progress page shows of one reader: a fixed number of queries."""
    attempts = Attempt.objects.of_reader(reader)
    today = timezone.localdate()
    active_days = days(attempts)
    return {
        "overall": overall(attempts),
        "cases": attempts.values("case").distinct().count(),
        "breakdowns": [(BREAKDOWNS[name][0], breakdown(attempts, name)) for name in BREAKDOWNS],
        "streak": streak(active_days, today),
        "chart": chart(weekly(active_days, today)),
        "recent": recent(attempts),
    }


def export_rows(reader):
    """One row per attempt of the reader, newest first: the CSV export (EXPORT_HEADER)."""
    studies = Study.objects.select_related("modality").order_by("pk")
    attempts = (
        graded(Attempt.objects.of_reader(reader))
        .select_related("case__anatomy")
        .prefetch_related(Prefetch("case__studies", studies))
    )
    for attempt in attempts.iterator(chunk_size=1000):
        case = attempt.case
        modalities = dict.fromkeys(study.modality.code for study in case.studies.all())
        yield [
            f"{timezone.localtime(attempt.committed_at):%Y-%m-%d %H:%M}",
            case.pk,
            attempt.diagnosis,
            Grade(attempt.counted).label,
            attempt.get_confidence_display(),
            attempt.seconds_to_commit,
            case.anatomy.name if case.anatomy else "",
            " / ".join(modalities),
            case.diagnosis,  # the reader committed on this case: its answer is theirs to see
        ]


EXPORT_HEADER = [
    "date", "case", "answer", "grade", "confidence", "seconds to commit", "anatomy", "modality",
    "diagnosis",
]


# --- faculty ------------------------------------------------------------------------------------


def is_faculty(user):
    """Attendings and staff see residents' progress."""
    return user.is_staff or user.groups.filter(name=roles.ATTENDINGS).exists()


def may_see_progress(viewer, reader):
    """The one rule: a reader sees their own progress; faculty see anyone's."""
    return viewer.is_authenticated and (viewer.pk == reader.pk or is_faculty(viewer))


def residents():
    return get_user_model().objects.filter(groups__name=roles.RESIDENTS).order_by("username")


def overview(readers):
    """Each reader with their overall Score and Scores by area (BY_AREA): one query per figure,
    however many readers and attempts."""
    attempts = graded(Attempt.objects.filter(reader__in=readers, case__status="published"))
    totals = {
        row["reader"]: Score.of("All", row)
        for row in attempts.order_by().values("reader").annotate(**tallies(distinct=False))
    }
    areas = {}
    for name in BY_AREA:
        field = BREAKDOWNS[name][1]
        rows = attempts.order_by().values("reader", field).annotate(**tallies(distinct=True))
        for row in sorted(rows, key=lambda row: (-row["n"], str(row[field]))):
            score = Score.of(_label(name, row[field]), row)
            areas.setdefault((row["reader"], name), []).append(score)
    return [
        {
            "reader": reader,
            "overall": totals.get(reader.pk, Score("All", 0, 0, 0)),
            "areas": [(BREAKDOWNS[name][0], areas.get((reader.pk, name), [])) for name in BY_AREA],
        }
        for reader in readers
    ]
