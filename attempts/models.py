"""An attempt: what a reader answered to an academic case before its answer was shown."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cases import grading


class Grade(models.TextChoices):
    CORRECT = grading.CORRECT, "Correct"
    PARTLY = grading.PARTLY, "Partly right"
    MISSED = grading.MISSED, "Missed"


class AttemptQuerySet(models.QuerySet):
    def of_reader(self, user):
        """The reader's own attempts, on cases still published: nobody else's, ever."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(reader=user, case__status="published")


class Attempt(models.Model):
    """Committed once and final; answering the case again is a new attempt."""

    class Confidence(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="attempts")
    diagnosis = models.CharField(max_length=300)
    differentials = models.JSONField(default=list, blank=True, help_text="Up to three.")
    confidence = models.CharField(max_length=6, choices=Confidence.choices)
    automatic_grade = models.CharField(max_length=7, choices=Grade.choices)
    confirmed_grade = models.CharField(max_length=7, choices=Grade.choices, blank=True)
    opened_at = models.DateTimeField(help_text="When the case page was served to the reader.")
    committed_at = models.DateTimeField(default=timezone.now)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-committed_at", "-id"]
        indexes = [
            # A reader's attempts at a case (the answer page, a reader's marks).
            models.Index(fields=["reader", "case"], name="attempt_reader_case"),
        ]

    def __str__(self):
        return f"{self.reader} on case {self.case_id}: {self.diagnosis}"

    def get_absolute_url(self):
        return reverse("attempts:answer", args=[self.case_id, self.pk])

    @property
    def grade(self):
        """The grade that counts: the reader's confirmation, or else the automatic one."""
        return self.confirmed_grade or self.automatic_grade

    def get_grade_display(self):
        return Grade(self.grade).label

    @property
    def seconds_to_commit(self):
        return max(0, round((self.committed_at - self.opened_at).total_seconds()))

    def grade_automatically(self, case):
        """The automatic grade against the case's diagnosis, accepted answers and differential
        (prefetched: case.accepted_answers, case.differentials)."""
        self.automatic_grade = grading.grade(
            self.diagnosis,
            case.diagnosis,
            [a.answer for a in case.accepted_answers.all()],
            [d.diagnosis for d in case.differentials.all()],
            self.differentials,
        )


class ReviewQuerySet(models.QuerySet):
    def of_reader(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(reader=user)

    def due(self, now=None):
        return self.filter(due__lte=now or timezone.now())

    def on_published(self):
        """Only cases still published: a case withdrawn since is never counted or drawn."""
        return self.filter(case__status="published")


class Review(models.Model):
    """Where one reader stands with one case: the grade of their latest attempt and, from the FSRS
    scheduler's card, when the case is due again. One row per reader and case, so a browse page's
    marks, the unseen/missed/due filters and the due count each read one indexed range."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reviews")
    last_grade = models.CharField(max_length=7, choices=Grade.choices)
    attempts = models.PositiveIntegerField(default=1)
    due = models.DateTimeField(help_text="When the scheduler brings the case back.")
    card = models.JSONField(default=dict, help_text="The FSRS card (fsrs.Card.to_dict()).")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reader", "case"], name="review_reader_case"),
        ]
        indexes = [
            # The homepage's due count and the "due for review" filter and draw.
            models.Index(fields=["reader", "due"], name="review_reader_due"),
            # The "missed" filter.
            models.Index(fields=["reader", "last_grade"], name="review_reader_grade"),
        ]

    def __str__(self):
        return f"{self.reader} on case {self.case_id}: due {self.due:%Y-%m-%d}"
