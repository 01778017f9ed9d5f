"""The case of the day in academic sends nothing the workflow hides: not in the homepage's
block, the archive, or the feed's titles, summaries, links and ids. In standard the same pages
name the answer, so these tests can fail."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from cases.daily import picking
from cases.models import CaseOfTheDay
from tests.factories import MARKERS, client_for
from tests.pages import leaked


@pytest.fixture
def shown(secret_case, editor):
    """The marked case is today's case and was yesterday's."""
    today = picking.today()
    for day in (today, today - timedelta(days=1)):
        CaseOfTheDay.objects.create(date=day, case=secret_case, scheduled_by=editor)
    return secret_case


def pages(client, workflow):
    """The homepage (its workflow remembered), the archive and the feed."""
    client.cookies["workflow"] = workflow
    return {
        "home": client.get(reverse("cases:home")),
        "archive": client.get(reverse("cases:daily_archive", args=[workflow])),
        "feed": client.get(reverse("cases:daily_feed", args=[workflow])),
    }


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_the_academic_case_of_the_day_sends_no_hidden_field(shown, who, resident):
    client = client_for(resident if who == "resident" else None)
    for name, response in pages(client, "academic").items():
        assert response.status_code == 200, name
        assert shown.get_absolute_url("academic") in response.content.decode(), name
        assert leaked(response) == [], name


def test_the_standard_case_of_the_day_names_the_answer(shown):
    sent = pages(Client(), "standard")
    assert {"title", "diagnosis"} <= set(leaked(sent["home"]))
    assert {"title", "category"} <= set(leaked(sent["archive"]))
    assert {"title", "diagnosis"} <= set(leaked(sent["feed"]))
    assert MARKERS["title"] in sent["feed"].content.decode()
