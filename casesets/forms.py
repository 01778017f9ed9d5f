from django import forms
from django.core.exceptions import ValidationError

from casesets.models import CaseSet, SetItem


class CaseSetForm(forms.ModelForm):
    """A set's name, date and who may read it."""

    class Meta:
        model = CaseSet
        fields = ["name", "date", "visibility"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "visibility": forms.RadioSelect,
        }
        error_messages = {"name": {"required": "Give the set a name."}}  # blank once stripped


class NotesForm(forms.ModelForm):
    class Meta:
        model = SetItem
        fields = ["notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])

    def offset(self):
        return -1 if self.cleaned_data["direction"] == "up" else 1


class AddCasesForm(forms.Form):
    """Published cases (from a case page or a page of browse results) added to one of the
    owner's sets, or to a new set named here."""

    cases = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one case."},
    )  # fmt: skip
    case_set = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="A new set (name it below)", label="Add to"
    )
    new_name = forms.CharField(max_length=200, required=False, label="New set's name")

    def __init__(self, *args, owner, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.fields["cases"].queryset = candidates
        self.fields["case_set"].queryset = CaseSet.objects.owned_by(owner)

    def clean(self):
        data = super().clean()
        if not data.get("case_set") and not data.get("new_name", "").strip():
            raise ValidationError(
                "Choose one of your sets, or name a new one.", code="no_set_chosen"
            )
        return data

    def save(self):
        """(the set, how many cases were added), in the order the candidates were listed."""
        data = self.cleaned_data
        case_set = data["case_set"] or CaseSet.objects.create(
            owner=self.owner, name=data["new_name"].strip()
        )
        return case_set, case_set.add(list(data["cases"]))  # the candidates' order
