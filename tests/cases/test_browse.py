"""Browsing published cases: each filter, each sort, pages, and previous/next on a case page
within the results it was opened from."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from tests.factories import make_case
from tests.pages import html_of


def browse(workflow="standard", client=None, **filters):
    response = (client or Client()).get(reverse("cases:browse", args=[workflow]), filters)
    assert response.status_code == 200
    return response


def listed(response):
    return [card.pk for card in response.context["cards"]]


@pytest.fixture
def library(alice, bob):
    """Five published cases, a day apart, oldest first, and one draft."""
    now = timezone.now()
    specs = [
        dict(author=alice, anatomy="chest", modality="CR", age_value=3, age_unit="M",
             difficulty="student", category="infection", tags=["peds"]),
        dict(author=alice, anatomy="chest", modality="CT", age_value=40, age_unit="Y",
             difficulty="resident", category="neoplasia-malignant"),
        dict(author=bob, anatomy="neuro", modality="MR", age_value=8, age_unit="Y",
             difficulty="fellow", category="neoplasia-malignant", tags=["peds", "classic"]),
        dict(author=bob, anatomy="musculoskeletal", modality="CR", age_value=15, age_unit="Y",
             difficulty="resident", category="trauma", tags=["classic"]),
        dict(author=bob, anatomy="chest", modality="CR", age_value=70, age_unit="Y",
             difficulty="resident", category="trauma"),
    ]
    cases = []
    for days, spec in enumerate(specs):
        author = spec.pop("author")
        cases.append(
            make_case(author, title=f"Case {days}", published_at=now - timedelta(days=10 - days),
                      **spec)
        )
    make_case(alice, anatomy="chest", status=Case.Status.DRAFT)
    return cases


def pks(cases, *indexes):
    return [cases[i].pk for i in indexes]


def test_it_lists_published_cases_newest_first(library):
    assert listed(browse()) == pks(library, 4, 3, 2, 1, 0)


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"anatomy": "chest"}, [4, 1, 0]),
        ({"modality": "CR"}, [4, 3, 0]),
        ({"modality": "CT"}, [1]),
        ({"author": "alice"}, [1, 0]),
        ({"age": "infant"}, [0]),
        ({"age": "child"}, [2]),
        ({"age": "adolescent"}, [3]),
        ({"age": "pediatric"}, [3, 2, 0]),
        ({"age": "adult"}, [1]),
        ({"age": "older"}, [4]),
        ({"difficulty": "resident"}, [4, 3, 1]),
        ({"anatomy": "chest", "modality": "CR"}, [4, 0]),
        ({"anatomy": "neuro", "age": "adult"}, []),
    ],
)
@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_each_filter_narrows_the_list(library, workflow, filters, expected):
    assert listed(browse(workflow, **filters)) == pks(library, *expected)


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"category": "trauma"}, [4, 3]),
        ({"tag": "peds"}, [2, 0]),
        ({"tag": "classic", "category": "trauma"}, [3]),
    ],
)
def test_the_standard_workflow_filters_by_category_and_tag(library, filters, expected):
    assert listed(browse("standard", **filters)) == pks(library, *expected)


def test_the_academic_workflow_has_no_category_or_tag_filter(library):
    response = browse("academic", category="trauma", tag="peds")
    assert listed(response) == pks(library, 4, 3, 2, 1, 0)
    assert "category" not in response.context["form"].fields
    assert "tag" not in response.context["form"].fields
    assert response.context["querystring"] == ""


def test_the_author_filter_offers_only_authors_of_published_cases(library, editor):
    make_case(editor, status=Case.Status.DRAFT)
    authors = browse().context["form"].fields["author"].queryset
    assert sorted(user.username for user in authors) == ["alice", "bob"]


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_it_sorts_by_oldest_and_by_recently_updated(library, workflow):
    assert listed(browse(workflow, sort="oldest")) == pks(library, 0, 1, 2, 3, 4)
    library[2].save()  # the latest edit
    assert listed(browse(workflow, sort="updated"))[0] == library[2].pk


def test_a_filter_value_that_does_not_exist_is_reported_not_obeyed(library):
    response = browse(anatomy="no-such-anatomy")
    assert response.context["form"].errors["anatomy"]
    assert listed(response) == pks(library, 4, 3, 2, 1, 0)


@override_settings(CASES_PER_PAGE=2)
def test_it_pages_through_results_keeping_the_filters(library):
    first = browse(anatomy="chest")
    assert listed(first) == pks(library, 4, 1)
    assert "?anatomy=chest&page=2" in html_of(first)
    second = browse(anatomy="chest", page=2)
    assert listed(second) == pks(library, 0)


def test_a_card_links_to_the_case_with_the_browse_filters(library):
    body = html_of(browse("academic", anatomy="chest", sort="oldest"))
    assert f"/academic/cases/{library[0].pk}/?anatomy=chest&sort=oldest" in body


def test_an_unknown_workflow_is_not_found(library):
    assert Client().get("/clinical/cases/").status_code == 404


# --- previous / next --------------------------------------------------------------------------


def detail(case, workflow="standard", **filters):
    response = Client().get(case.get_absolute_url(workflow), filters)
    assert response.status_code == 200
    return response


def neighbours(response):
    return response.context["previous"], response.context["next"]


def test_previous_and_next_follow_the_default_order(library):
    assert neighbours(detail(library[2])) == (library[3].pk, library[1].pk)
    assert neighbours(detail(library[4])) == (None, library[3].pk)
    assert neighbours(detail(library[0])) == (library[1].pk, None)


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_previous_and_next_stay_within_the_filters_and_sort(library, workflow):
    response = detail(library[1], workflow, anatomy="chest", sort="oldest")
    assert neighbours(response) == (library[0].pk, library[4].pk)
    body = html_of(response)
    assert f"/{workflow}/cases/{library[0].pk}/?anatomy=chest&sort=oldest" in body
    assert f"/{workflow}/cases/{library[4].pk}/?anatomy=chest&sort=oldest" in body
    assert f"/{workflow}/cases/?anatomy=chest&sort=oldest" in body  # back to the results


def test_previous_and_next_skip_drafts(library):
    middle = library[2]
    Case.objects.filter(pk__in=pks(library, 1, 3)).update(status=Case.Status.DRAFT)
    assert neighbours(detail(middle)) == (library[4].pk, library[0].pk)


def test_previous_and_next_break_ties_in_publication_time(alice):
    moment = timezone.now()
    same = [make_case(alice, published_at=moment) for _ in range(3)]
    # Newest first, the larger id first among equals.
    assert neighbours(detail(same[1])) == (same[2].pk, same[0].pk)
    assert neighbours(detail(same[1], sort="oldest")) == (same[0].pk, same[2].pk)
