"""The case of the day: one published case a day on the homepage, its archive and its feed.

A row says which case a day shows: scheduled ahead by an editor (scheduled_by), or picked
automatically and recorded on the day's first request (scheduled_by empty; cases/daily/picking.py
says why it is recorded). Days are dates in the site's TIME_ZONE."""

from datetime import timedelta

from django.conf import settings
from django.db import models

from cases.models.case import Case

REPEAT_AFTER_DAYS = 180  # an automatic pick never repeats a case shown within this many days


class DayQuerySet(models.QuerySet):
    def shown(self):
        """Days whose case is published now: a withdrawn case is never shown, not even as past."""
        return self.filter(case__status=Case.Status.PUBLISHED)

    def before(self, day):
        return self.filter(date__lt=day).order_by("-date")

    def near(self, day):
        """Days that keep a case out of the automatic pick of `day`: shown within the last
        REPEAT_AFTER_DAYS days, or scheduled for later."""
        return self.filter(date__gte=day - timedelta(days=REPEAT_AFTER_DAYS)).exclude(date=day)


class CaseOfTheDay(models.Model):
    date = models.DateField(
        unique=True,
        help_text="The day, in the site's time zone, that the homepage shows this case.",
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="days",
        db_index=False,  # day_case_date (case, date) serves look-ups by case
        help_text="A published case, by its number. Returned to draft, it is not shown: the "
        "day falls back to an automatic pick.",
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Empty when the case was picked automatically.",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = DayQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        verbose_name = "case of the day"
        verbose_name_plural = "cases of the day"
        indexes = [
            # The automatic pick's NOT EXISTS (a day of this case within 180 days): one index
            # probe per candidate the range scan on random_key meets.
            models.Index(fields=["case", "date"], name="day_case_date"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}: {self.case.number}"
