"""The case of the day in the admin: editors schedule days ahead; contributors, who have no
permission on it (cases/roles.py), never see it."""

from django.contrib import admin

from cases.daily.forms import ScheduleForm
from cases.models import CaseOfTheDay


@admin.register(CaseOfTheDay)
class CaseOfTheDayAdmin(admin.ModelAdmin):
    form = ScheduleForm
    list_display = ["date", "case_number", "case", "scheduled"]
    list_select_related = ["case", "scheduled_by"]
    date_hierarchy = "date"
    # By number: a drop-down of every published case would not scale to a large repository.
    raw_id_fields = ["case"]
    fields = ["date", "case", "scheduled"]
    readonly_fields = ["scheduled"]

    @admin.display(description="Case", ordering="case_id")
    def case_number(self, day):
        return day.case.number

    @admin.display(description="Scheduled by")
    def scheduled(self, day):
        if day.pk is None:
            return "you, on saving"
        return day.scheduled_by or "picked automatically"

    def save_model(self, request, obj, form, change):
        obj.scheduled_by = request.user
        super().save_model(request, obj, form, change)
