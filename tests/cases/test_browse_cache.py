"""Browse results are cached (cases/results.py) per workflow, query and content version: served
again without a query, stale at the next save, never shared between workflows or readers."""

import pytest
from django.test import Client
from django.urls import reverse

from cases import caching
from cases.models import Case
from tests.factories import client_for, make_case

MARKER = "quokkadiagnosis"  # a word only the standard workflow may search


def browse(workflow, client=None, **params):
    response = (client or Client()).get(reverse("cases:browse", args=[workflow]), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def case(alice):
    return make_case(alice, title="Wrist fracture", diagnosis=f"Fracture with {MARKER}",
                     history="Fell on an outstretched hand.")


def test_a_page_seen_before_costs_only_the_content_version(case, django_assert_num_queries):
    browse("standard", q="fracture")
    with django_assert_num_queries(1):
        page = browse("standard", q="fracture")
    assert "Wrist fracture" in page


def test_a_saved_case_shows_at_once(case, alice):
    assert "Ankle sprain" not in browse("standard")
    make_case(alice, title="Ankle sprain")
    assert "Ankle sprain" in browse("standard")


def test_an_edited_case_shows_at_once(case):
    browse("standard")
    case.title = "Scaphoid fracture"
    case.save()
    assert "Scaphoid fracture" in browse("standard")


def test_a_deleted_case_goes_at_once(case):
    browse("academic")
    Case.objects.filter(pk=case.pk).delete()
    assert "1 case" not in browse("academic")


def test_academic_is_never_served_the_standard_results_of_the_same_query(case):
    standard = browse("standard", q=MARKER)
    assert "Wrist fracture" in standard
    academic = browse("academic", q=MARKER)
    assert "No published case matches" in academic
    assert "Wrist fracture" not in academic and "0 cases" in academic


def test_a_page_cached_for_one_reader_names_only_the_next_reader(case, alice, bob):
    browse("standard", client=client_for(alice))
    page = browse("standard", client=client_for(bob))
    assert "Log out bob" in page
    assert "Log out alice" not in page


def test_a_page_with_a_bad_filter_shows_its_error_and_is_not_cached(case):
    assert "Select a valid choice" in browse("standard", anatomy="nowhere")
    assert "Select a valid choice" not in browse("standard")


def test_the_content_version_changes_with_every_save(case):
    before = caching.content_version()
    case.save()
    assert caching.content_version() != before


def test_a_page_cached_for_anonymous_readers_names_the_next_logged_in_reader(case, alice):
    browse("standard")
    browse("standard")
    page = browse("standard", client=client_for(alice))
    assert "Log out alice" in page


def test_a_page_cached_for_a_logged_in_reader_is_anonymous_for_the_next_anonymous_one(case, alice):
    browse("standard", client=client_for(alice))
    page = browse("standard")
    assert "Log out" not in page and "Log in" in page
