"""The words pages use around the cases: how long ago, bylines, the search box's example and
what an academic search that finds nothing says."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.templatetags.cases_tags import distance_in_words
from tests.factories import make_case
from tests.pages import html_of, text_of

DAY = 86400


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (364, "12 months"),
        (365, "about 1 year"),
        (400, "about 1 year"),
        (500, "over 1 year"),
        (700, "almost 2 years"),
        (3 * 365.25 + 10, "about 3 years"),
    ],
)
def test_time_ago_reads_as_a_person_would_say_it(days, words):
    assert distance_in_words(days * DAY) == words


def test_a_byline_keeps_its_separator_with_the_date_so_a_wrap_leaves_no_lone_dot(alice):
    make_case(alice)
    card = html_of(Client().get(reverse("cases:browse", args=["standard"])))
    byline = card.split('class="card-byline">', 1)[1].split("</p>", 1)[0]
    assert "·" not in byline  # drawn by CSS before the second item
    assert byline.startswith("<span>") and byline.count("<span>") == 2


@pytest.mark.parametrize(
    ("workflow", "example"),
    [("academic", "History, anatomy, modality, e.g. limp"),
     ("standard", "Words, e.g. osteosarcoma")],
)
def test_the_search_box_suggests_what_its_workflow_searches(db, workflow, example):
    page = html_of(Client().get(reverse("cases:browse", args=[workflow])))
    assert f'placeholder="{example}"' in page


def test_an_academic_search_finding_nothing_says_what_academic_search_looks_at(alice):
    make_case(alice, diagnosis="Osteosarcoma", history="Knee pain at night.")
    page = text_of(Client().get(reverse("cases:browse", args=["academic"]), {"q": "osteosarcoma"}))
    assert "searches only what an unknown case shows" in page
    assert "never its diagnosis" in page
