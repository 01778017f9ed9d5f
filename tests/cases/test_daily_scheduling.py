"""Editors schedule the case of the day in the admin: a published case, today or later, one
case a day, each refusal saying why. Contributors and readers cannot schedule."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cases.daily.forms import ScheduleForm
from cases.models import Case, CaseOfTheDay
from tests.factories import client_for, make_case

TODAY = date(2026, 12, 6)
ADD = reverse("admin:cases_caseoftheday_add")
LIST = reverse("admin:cases_caseoftheday_changelist")


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(datetime(2026, 12, 6, 12, tzinfo=ZoneInfo("UTC")), tick=False):
        yield


@pytest.fixture
def published(alice):
    return make_case(alice, images=0, title="Published case")


def errors(data):
    form = ScheduleForm(data)
    assert not form.is_valid()
    return {field: [e.code for e in errs] for field, errs in form.errors.as_data().items()}


def test_an_editor_schedules_a_published_case_and_is_named_as_who_scheduled(published, editor):
    response = client_for(editor).post(ADD, {"date": "2026-12-10", "case": published.pk})
    assert response.status_code == 302
    day = CaseOfTheDay.objects.get()
    assert (day.date, day.case, day.scheduled_by) == (date(2026, 12, 10), published, editor)


def test_today_may_be_scheduled(published):
    assert ScheduleForm({"date": "2026-12-06", "case": published.pk}).is_valid()


def test_a_past_day_is_refused_with_the_reason(published):
    assert errors({"date": "2026-12-05", "case": published.pk}) == {"date": ["past_day"]}


def test_a_draft_case_is_refused_with_the_reason(alice):
    draft = make_case(alice, images=0, status=Case.Status.DRAFT)
    assert errors({"date": "2026-12-10", "case": draft.pk}) == {"case": ["draft_case"]}
    form = ScheduleForm({"date": "2026-12-10", "case": draft.pk})
    form.is_valid()
    assert form.errors["case"] == [
        f"Case {draft.pk} is a draft: only a published case can be the case of the day."
    ]


def test_a_day_that_has_its_case_already_is_refused_with_the_reason(published, alice):
    CaseOfTheDay.objects.create(date=TODAY + timedelta(days=3), case=published)
    other = make_case(alice, images=0)
    assert errors({"date": "2026-12-09", "case": other.pk}) == {"date": ["duplicate_day"]}


def test_the_admin_shows_the_refusal_and_saves_nothing(alice, editor):
    draft = make_case(alice, images=0, status=Case.Status.DRAFT)
    response = client_for(editor).post(ADD, {"date": "2026-12-01", "case": draft.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026-12-01 is in the past" in body
    assert "is a draft" in body
    assert not CaseOfTheDay.objects.exists()


def test_an_editor_changes_a_scheduled_day(published, alice, editor):
    day = CaseOfTheDay.objects.create(date=TODAY + timedelta(days=2), case=published)
    other = make_case(alice, images=0)
    url = reverse("admin:cases_caseoftheday_change", args=[day.pk])
    response = client_for(editor).post(url, {"date": "2026-12-08", "case": other.pk})
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.case, day.scheduled_by) == (other, editor)


def test_the_list_tells_automatic_picks_from_scheduled_days(published, editor):
    CaseOfTheDay.objects.create(date=TODAY, case=published)
    CaseOfTheDay.objects.create(date=TODAY + timedelta(days=1), case=published, scheduled_by=editor)
    body = client_for(editor).get(LIST).content.decode()
    assert body.count('<td class="field-scheduled">picked automatically</td>') == 1
    assert body.count(f'<td class="field-scheduled">{editor}</td>') == 1


def test_a_contributor_cannot_schedule(published, alice):
    client = client_for(alice)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"date": "2026-12-10", "case": published.pk}).status_code == 403
    assert client.get(LIST).status_code == 403
    assert "caseoftheday" not in client.get(reverse("admin:index")).content.decode()
    assert not CaseOfTheDay.objects.exists()


def test_a_contributor_cannot_change_or_delete_a_scheduled_day(published, alice, editor):
    day = CaseOfTheDay.objects.create(date=TODAY + timedelta(days=2), case=published)
    client = client_for(alice)
    change = reverse("admin:cases_caseoftheday_change", args=[day.pk])
    assert client.post(change, {"date": "2026-12-08", "case": published.pk}).status_code == 403
    delete = reverse("admin:cases_caseoftheday_delete", args=[day.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert CaseOfTheDay.objects.get() == day


@pytest.mark.parametrize("persona", ["attending", "resident"])
def test_readers_cannot_reach_the_schedule(persona, request, published):
    response = client_for(request.getfixturevalue(persona)).get(ADD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
