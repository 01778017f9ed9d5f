"""Counts the counts table cannot answer (a search, an author): exact up to ESTIMATE_ABOVE cases,
"about N" above it, said so on the page; the cases shown stay the same either way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import estimates
from cases.models import Case
from tests.factories import make_case


@pytest.fixture
def five(alice):
    return [make_case(alice, images=0, history=f"Knee pain after a fall, number {n}.")
            for n in range(5)]


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(estimates, "ESTIMATE_ABOVE", 3)
    monkeypatch.setattr(estimates, "SAMPLE", 3)


def heading(response):
    return response.content.decode().split("</h1>")[0]


def test_a_search_finding_few_cases_shows_the_exact_count(client, five, small_threshold, bob):
    make_case(bob, images=0, history="Wrist swelling.")
    make_case(bob, images=0, history="Wrist swelling again.")
    response = client.get(reverse("cases:browse", args=["standard"]), {"q": "wrist"})
    assert "2 cases" in heading(response) and "about" not in heading(response)
    assert "estimates" not in response.content.decode()


def test_a_search_finding_more_than_the_threshold_says_about(client, five, small_threshold):
    response = client.get(reverse("cases:browse", args=["academic"]), {"q": "knee"})
    # The number is the database's estimate (PostgreSQL's planner; SQLite counts).
    assert "about " in heading(response)
    assert "Counts over 3 cases are estimates" in response.content.decode()
    shown = [case.pk for case in response.context["page"].object_list]
    assert shown == [case.pk for case in reversed(five)]


def test_an_estimated_page_knows_its_next_page_from_one_case_more(client, five, small_threshold,
                                                                  settings):
    settings.CASES_PER_PAGE = 2
    url = reverse("cases:browse", args=["standard"])
    pages = [client.get(url, {"q": "knee", "page": n}).context["page"] for n in (1, 2, 3)]
    assert [page.has_next() for page in pages] == [True, True, False]
    assert [case.pk for page in pages for case in page.object_list] == list(
        Case.objects.published().values_list("pk", flat=True))


def test_the_cases_found_are_read_no_further_than_the_threshold(five, small_threshold):
    found = estimates.Found(Case.objects.published(), ("-published_at", "-id"))
    assert found.count is None and len(found.ids) == 4
    assert estimates.Found(Case.objects.none(), ("-published_at", "-id")).count == 0


@pytest.mark.parametrize("sort", ["", "newest", "updated", "oldest"])
def test_every_counted_page_lists_the_cases_in_the_order_the_database_sorts_them(
        client, five, sort, settings):
    """The cases found are put in order from the values read with their ids, in Python: each
    page must be the database's ORDER BY, page by page (relevance included)."""
    settings.CASES_PER_PAGE = 2
    Case.objects.filter(pk=five[2].pk).update(updated=five[0].updated)  # a tie: the id decides
    url = reverse("cases:browse", args=["standard"])
    pages = [client.get(url, {"q": "knee fall", "sort": sort, "page": n}).context
             for n in (1, 2, 3)]
    shown = [case.pk for context in pages for case in context["page"].object_list]
    form = pages[0]["form"]
    assert shown == list(form.filter(Case.objects.published()).values_list("pk", flat=True))
    assert not pages[0]["estimated"]


def test_the_order_puts_nulls_where_postgresql_puts_them():
    rows = [{"id": 1, "at": None}, {"id": 2, "at": 5}, {"id": 3, "at": 5}, {"id": 4, "at": 7}]
    assert estimates.in_order(rows, ("-at", "-id")) == [1, 4, 3, 2]  # DESC: NULLs first
    assert estimates.in_order(rows, ("at", "id")) == [2, 3, 4, 1]  # ASC: NULLs last


def test_about_rounds_to_two_figures():
    assert [estimates.about(n) for n in (7, 1001, 69273, 125)] == [7, 1000, 69000, 120]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the @@ of PostgreSQL's search")
def test_a_counted_search_reads_the_cases_found_once(client, five):
    """The count, the facets' sample and the page come from one read of the matches: the
    search runs in one statement (the planner's EXPLAIN aside), however many facets count."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:browse", args=["standard"]), {"q": "knee"})
    searches = [query["sql"] for query in queries.captured_queries
                if "@@" in query["sql"] and not query["sql"].startswith("EXPLAIN")]
    assert len(searches) == 1
    assert len(response.context["page"].object_list) == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the @@ of PostgreSQL's search")
@pytest.mark.parametrize("sort", ["", "oldest"])
def test_a_search_too_large_to_count_but_few_enough_to_read_reads_them_once(
        client, five, small_threshold, sort):
    """Over ESTIMATE_ABOVE but expected under READ_ALL_BELOW: the count's sample and the page
    come from one read of every case found, not the first ones and then all of them again."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:browse", args=["standard"]), {"q": "knee",
                                                                           "sort": sort})
    searches = [query["sql"] for query in queries.captured_queries
                if "@@" in query["sql"] and not query["sql"].startswith("EXPLAIN")]
    assert len(searches) == 1
    assert "about " in heading(response)
    assert len(response.context["page"].object_list) == 5


@pytest.mark.parametrize("sort", ["", "newest", "oldest"])
@pytest.mark.parametrize("read_all_below", [3000, 0])
def test_every_estimated_page_lists_the_cases_in_the_order_the_database_sorts_them(
        client, five, small_threshold, settings, monkeypatch, sort, read_all_below):
    """Too many to count: every case found read and put in order here when the planner expects
    few (READ_ALL_BELOW), else read by OFFSET in the database's order; the same pages."""
    monkeypatch.setattr(estimates, "READ_ALL_BELOW", read_all_below)
    settings.CASES_PER_PAGE = 2
    url = reverse("cases:browse", args=["standard"])
    pages = [client.get(url, {"q": "knee", "sort": sort, "page": n}).context for n in (1, 2, 3, 4)]
    assert [context["page"].has_next() for context in pages] == [True, True, False, False]
    assert all(not context["page"].exact for context in pages)
    shown = [case.pk for context in pages for case in context["page"].object_list]
    form = pages[0]["form"]
    assert shown == list(form.filter(Case.objects.published()).values_list("pk", flat=True))


@pytest.mark.parametrize("workflow", ["standard", "academic"])
@pytest.mark.parametrize("params", [{"q": "knee"}, {"q": "knee", "anatomy": "chest"},
                                    {"q": "knee", "difficulty": "resident", "age": "adult"}])
def test_sampled_row_facets_count_what_the_database_counts(five, alice, workflow, params):
    """The row facets (anatomy, category, level, age) of a search are counted from the rows its
    one read of the matches holds; the same counts as the database's, cases without a value
    too."""
    from cases.facets import facet_counts
    from cases.forms import BrowseForm

    bare = make_case(alice, images=0, history="Knee pain, no anatomy.", age_value=None)
    Case.objects.filter(pk=bare.pk).update(anatomy=None, category=None)
    make_case(alice, images=0, history="Knee pain in the chest?", anatomy="chest",
              difficulty="resident", age_value=40)
    form = BrowseForm(params, workflow)
    assert form.is_valid()
    published = Case.objects.published()
    found = estimates.Found(form.filter(published), form.ordering())
    sampled = estimates.Sampled(form, published, found).facet_counts(workflow)
    exact = facet_counts(lambda name: form.filter(published, without=name), workflow)
    assert sampled == exact


@pytest.mark.parametrize("params", [{"q": "knee"}, {"q": "knee", "modality": "CT"},
                                    {"q": "knee", "tag": "classic"}])
def test_sampled_modalities_and_tags_count_what_the_studies_and_tags_give(alice, params):
    """The modality facet and the top tags of a search are counted from what each case found was
    counted as (cases/counts/): the same as counting through its studies and taggit's items, a
    case with two studies of one modality once, a filter's own facet without that filter."""
    from cases.facets import modality_counts, top_tags
    from cases.forms import BrowseForm
    from cases.models import Modality, Study

    two_ct = make_case(alice, images=0, history="Knee pain, two scans.", modality="CT",
                       tags=("classic", "rare"))
    Study.objects.create(case=two_ct, modality=Modality.objects.get(code="CT"), position=1)
    two_ct.save()  # counted again with its second study, as an editor's save would
    make_case(alice, images=0, history="Knee pain, a radiograph.", tags=("classic",))
    make_case(alice, images=0, history="Knee swelling.", modality="CT")
    make_case(alice, images=0, history="Headache.", modality="MR", tags=("rare",))
    form = BrowseForm(params, "standard")
    assert form.is_valid()
    published = Case.objects.published()
    sampled = estimates.Sampled(form, published, estimates.Found(form.filter(published),
                                                                 form.ordering()))
    by_modality = modality_counts(form.filter(published, without="modality"))
    assert sampled.facet_counts("standard")["modality"] == by_modality
    assert sampled.top_tags(20) == top_tags(form.filter(published, without="tag"))
    assert by_modality  # the comparison compared something
