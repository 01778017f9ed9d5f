"""Scheduling a day's case in the admin: the checks an editor's entry must pass."""

from django import forms
from django.core.exceptions import ValidationError

from cases.daily import picking
from cases.models import CaseOfTheDay


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = CaseOfTheDay
        fields = ["date", "case"]

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < picking.today():
            raise ValidationError(
                "%(day)s is in the past: only today or a later day can be scheduled.",
                code="past_day",
                params={"day": day.isoformat()},
            )
        taken = CaseOfTheDay.objects.filter(date=day).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                "%(day)s already has a case of the day (scheduled, or picked when the homepage "
                "first showed that day): change that day's entry instead.",
                code="duplicate_day",
                params={"day": day.isoformat()},
            )
        return day

    def clean_case(self):
        case = self.cleaned_data["case"]
        if not case.is_published:
            raise ValidationError(
                "%(case)s is a draft: only a published case can be the case of the day.",
                code="draft_case",
                params={"case": case.number},
            )
        return case

    def validate_unique(self):
        """clean_date says it in words: the database's unique date stays the guarantee."""
        if "date" not in self.errors:
            super().validate_unique()
