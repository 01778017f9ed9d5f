"""Browse results are cached (cases/results.py) per workflow, query and content version: served
again without a query, stale at the next save, never shared between workflows or readers."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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


def facet_count_queries(captured):
    return [q for q in captured if "cases_facetcount" in q["sql"]]


def test_another_page_of_the_same_filters_sums_nothing_again(alice, settings):
    settings.CASES_PER_PAGE = 1
    for title in ("Chest one", "Chest two", "Chest three"):
        make_case(alice, title=title, anatomy="chest", tags=["classic"])
    with CaptureQueriesContext(connection) as first:
        page1 = browse("standard", anatomy="chest", page=1)
    with CaptureQueriesContext(connection) as second:
        page2 = browse("standard", anatomy="chest", page=2, sort="oldest")
    assert len(facet_count_queries(first)) == 1  # the total, facets and top tags at once
    assert not facet_count_queries(second)  # all three are the first page's
    assert "Chest (3)" in page1 and "Chest (3)" in page2
    assert "classic (3)" in page2


def test_the_facet_counts_of_seen_filters_follow_a_save(alice, settings):
    settings.CASES_PER_PAGE = 1
    make_case(alice, title="Chest one", anatomy="chest")
    make_case(alice, title="Chest two", anatomy="chest")
    assert "Chest (2)" in browse("standard", anatomy="chest", page=1)
    make_case(alice, title="Chest three", anatomy="chest")
    assert "Chest (3)" in browse("standard", anatomy="chest", page=2)


def test_the_facet_counts_are_kept_per_workflow(alice, settings):
    settings.CASES_PER_PAGE = 1
    make_case(alice, title="Chest one", anatomy="chest", tags=["classic"])
    make_case(alice, title="Chest two", anatomy="chest", tags=["classic"])
    assert "classic (2)" in browse("standard", anatomy="chest", page=1)
    academic = browse("academic", anatomy="chest", page=2)
    assert "Chest (2)" in academic and "classic" not in academic


def test_a_save_of_text_alone_keeps_the_facet_counts_of_seen_filters(alice):
    case = make_case(alice, title="Chest one", anatomy="chest", tags=["classic"])
    browse("standard", anatomy="chest")
    case.discussion = "A longer discussion."
    case.save()
    with CaptureQueriesContext(connection) as after_edit:
        page = browse("standard", anatomy="chest", sort="oldest")
    assert not facet_count_queries(after_edit)  # the total, facets and top tags as before it
    assert "Chest (1)" in page and "classic (1)" in page


def test_the_facet_counts_follow_a_save_that_moves_a_case(alice):
    case = make_case(alice, title="Chest one", anatomy="chest")
    make_case(alice, title="Chest two", anatomy="chest")
    assert "Chest (2)" in browse("standard", anatomy="chest")
    case.anatomy = make_case(alice, title="Knee").anatomy  # musculoskeletal
    case.save()
    page = browse("standard", anatomy="chest", sort="oldest")
    assert "Chest (1)" in page and "Musculoskeletal (2)" in page


def test_a_renamed_tag_shows_in_the_top_tags_of_seen_filters(alice):
    make_case(alice, title="Chest one", anatomy="chest", tags=["classic"])
    assert "classic (1)" in browse("standard", anatomy="chest")
    tag = Case.objects.get(title="Chest one").tags.get()
    tag.name = "textbook"
    tag.save()
    assert "textbook (1)" in browse("standard", anatomy="chest", sort="oldest")


def test_the_counts_version_changes_only_with_the_counts(case, alice):
    before = caching.content_and_counts_versions()[1]
    case.history = "Fell off a ladder."
    case.save()
    assert caching.content_and_counts_versions()[1] == before
    make_case(alice, title="Another")
    assert caching.content_and_counts_versions()[1] != before
