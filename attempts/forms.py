from django import forms
from django.core.exceptions import ValidationError

from attempts import opening
from attempts.models import Attempt, Grade

DIFFERENTIAL_FIELDS = ("differential_1", "differential_2", "differential_3")


def _differential(number):
    """A differential's box. The page shows only the boxes under one legend, so each names itself
    to a screen reader."""
    label = f"Differential {number}"
    widget = forms.TextInput(attrs={"aria-label": label})
    return forms.CharField(label=label, max_length=300, required=False, widget=widget)


class AnswerForm(forms.Form):
    """An answer to an academic case. Rendered unbound into the cached case page (so it holds
    nothing of any reader); bound with the reader and the case when it is committed."""

    diagnosis = forms.CharField(max_length=300, strip=True)
    differential_1 = _differential(1)
    differential_2 = _differential(2)
    differential_3 = _differential(3)
    confidence = forms.ChoiceField(
        choices=Attempt.Confidence.choices,
        initial=Attempt.Confidence.MEDIUM,
        widget=forms.RadioSelect,
    )
    opened = forms.CharField(widget=forms.HiddenInput, initial=opening.OPENED_SLOT)

    def __init__(self, *args, reader=None, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reader, self.case = reader, case

    def clean_opened(self):
        opened_at = opening.opened_at(self.cleaned_data["opened"], self.case.pk, self.reader.pk)
        if opened_at is None:
            raise ValidationError(
                "This answer form is not yours or has expired: open the case again.",
                code="stale_opening",
            )
        return opened_at

    def save(self):
        """The attempt, graded automatically and committed now."""
        data = self.cleaned_data
        attempt = Attempt(
            reader=self.reader,
            case=self.case,
            diagnosis=data["diagnosis"],
            differentials=[data[name] for name in DIFFERENTIAL_FIELDS if data[name].strip()],
            confidence=data["confidence"],
            opened_at=data["opened"],
        )
        attempt.grade_automatically(self.case)
        attempt.save()
        return attempt


class ConfirmGradeForm(forms.ModelForm):
    confirmed_grade = forms.ChoiceField(
        label="Your grade", choices=Grade.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = Attempt
        fields = ["confirmed_grade"]
