"""A card's HTML is byte for byte what it was before cards read only the columns they show,
rendered their URLs and dates faster and said age and sex in one piece: rendered the old way
(tests/cases/cards_before.py, the old template and tags) and the site's way, for cases that
differ in every part a card shows, in both workflows."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.safestring import mark_safe

from cases import slots, views
from cases.forms import BrowseForm
from cases.models import Case, Modality, Study
from cases.search import START, STOP, snippet_html
from cases.workflows import ACADEMIC, STANDARD
from tests.cases.cards_before import card_before, cases_before, render_before
from tests.factories import make_case, make_user

NOW = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def varied_cases(alice, frozen):
    """Cases that differ in each part of a card: age and sex (both, one, neither), a cover or
    none, studies of one modality or two, an unknown title, no anatomy or category, characters
    to escape, authors named by display name, full name or username, and times of day that
    date formats write differently (midnight, noon, on the hour, past it)."""
    named = make_user("carol")
    named.first_name, named.last_name = "Carol", "O'Hara"
    named.save()
    shown = make_user("dave")
    shown.display_name = "Dr Dave <MD>"
    shown.save()
    cases = [
        make_case(alice, age_value=1, sex=Case.Sex.FEMALE, created=NOW - timedelta(days=400)),
        make_case(named, age_value=None, sex=Case.Sex.MALE, images=0,
                  title="Fracture & \"dislocation\" <of> the hip", created=_at(0, 0)),
        make_case(shown, age_value=30, age_unit=Case.AgeUnit.MONTHS, sex=Case.Sex.UNKNOWN,
                  unknown_title="Knee pain in a teenager", created=_at(12, 0)),
        make_case(alice, age_value=None, sex=Case.Sex.UNKNOWN, anatomy="chest",
                  created=_at(9, 0), modality="CT"),
        make_case(alice, age_value=7, age_unit=Case.AgeUnit.DAYS, sex=Case.Sex.OTHER,
                  created=_at(23, 59), modality="MR"),
    ]
    Study.objects.create(case=cases[0], modality=Modality.objects.get(code="CT"))
    Study.objects.create(case=cases[0], modality=Modality.objects.get(code="CR"))
    Case.objects.filter(pk=cases[3].pk).update(anatomy=None, category=None)
    return cases


def _at(hour, minute):
    return NOW.replace(hour=hour, minute=minute) - timedelta(days=3)


def _new_and_old(cases, workflow, headlines=None):
    """(the site's cards, the cards built the old way) of these cases, in their order."""
    headlines = headlines or {}
    ids = [case.pk for case in cases]
    new = {case.pk: case for case in views._cards(ids)}
    old = {case.pk: case for case in cases_before(ids)}
    new_cards, old_cards = [], []
    for pk in ids:
        if pk in headlines:
            new[pk].headline = headlines[pk]
        new_cards.append(views._card(new[pk], workflow))
        mark = mark_safe(slots.mark(pk)) if workflow == ACADEMIC else ""
        snippet = snippet_html(headlines.get(pk, "")) if workflow == STANDARD else ""
        old_cards.append(card_before(old[pk], workflow, snippet=snippet, mark_slot=mark))
    return new_cards, old_cards


def _render(cards, querystring=""):
    return "".join(
        render_to_string("cases/_card.html", {"card": card, "querystring": querystring})
        for card in cards
    )


@pytest.mark.parametrize("querystring", ["", "anatomy=chest&amp;sort=oldest"])
def test_standard_cards_with_snippets_are_the_same_bytes_as_before(varied_cases, querystring):
    headlines = {
        varied_cases[0].pk: f"a {START}fracture{STOP} & <b>more</b>",
        varied_cases[2].pk: f"{START}hip{STOP}",
    }
    new, old = _new_and_old(varied_cases, STANDARD, headlines)

    html = _render(new, querystring)

    assert "card-snippet" in html and "<mark>fracture</mark>" in html
    assert html == render_before(old, querystring)


@pytest.mark.parametrize("querystring", ["", "memory=unseen"])
def test_academic_cards_with_mark_slots_are_the_same_bytes_as_before(varied_cases, querystring):
    new, old = _new_and_old(varied_cases, ACADEMIC)

    html = _render(new, querystring)

    assert slots.mark(varied_cases[0].pk) in html
    assert html == render_before(old, querystring)


def test_an_academic_card_is_given_neither_title_nor_category(varied_cases):
    new, _ = _new_and_old(varied_cases, ACADEMIC)

    assert all(card.title == "" and card.category is None for card in new)
    assert new[2].heading == "Knee pain in a teenager"
    assert new[0].heading == f"Case {varied_cases[0].pk}"


@pytest.mark.parametrize("workflow", [STANDARD, ACADEMIC])
def test_a_browse_page_holds_each_card_as_before(varied_cases, workflow, rf):
    anonymous = rf.get("/")
    anonymous.user = AnonymousUser()
    response = Client().get(reverse("cases:browse", args=[workflow]))
    querystring = BrowseForm({}, workflow).querystring()
    _, old = _new_and_old(varied_cases, workflow)

    page = response.content.decode()

    for card in old:
        assert slots.cut(render_before([card], querystring)).fill(anonymous).decode() in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="snippets need PostgreSQL")
def test_a_searched_page_holds_each_card_with_its_snippet_as_before(varied_cases):
    response = Client().get(reverse("cases:browse", args=[STANDARD]), {"q": "fracture"})
    querystring = BrowseForm({"q": "fracture"}, STANDARD).querystring()
    found = views._search_cards(cases_before([c.pk for c in varied_cases]), "fracture", STANDARD)

    page = response.content.decode()

    assert "<mark>" in page
    for case in found:
        snippet = snippet_html(getattr(case, "headline", ""))
        assert render_before([card_before(case, STANDARD, snippet=snippet)], querystring) in page


def test_the_cards_query_reads_no_long_text(varied_cases):
    with CaptureQueriesContext(connection) as queries:
        list(views._cards([case.pk for case in varied_cases]))

    case_query, studies_query = (query["sql"] for query in queries)
    for column in ("history", "diagnosis", "discussion", "search_standard", "review_comment"):
        assert f'"cases_case"."{column}"' not in case_query
    assert '"accounts_user"."password"' not in case_query
    assert '"cases_study"."findings"' not in studies_query
