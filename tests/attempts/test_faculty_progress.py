"""Faculty see residents' progress; a resident sees only their own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import roles
from tests.attempts.test_progress import attempted
from tests.factories import client_for, make_case, make_user, marker_case
from tests.pages import leaked, text_of

OVERVIEW = reverse("attempts:residents")


def page_of(reader):
    return reverse("attempts:reader_progress", args=[reader.pk])


def export_of(reader):
    return reverse("attempts:reader_progress_csv", args=[reader.pk])


@pytest.fixture
def chest_case(alice):
    return make_case(alice, images=0, anatomy="chest", modality="CR")


def test_an_attending_sees_each_residents_attempts_and_accuracy_by_area(
    attending, resident, other_resident, chest_case
):
    attempted(resident, chest_case, "correct")
    attempted(resident, chest_case, "partly")
    response = client_for(attending).get(OVERVIEW)
    assert response.status_code == 200
    text = text_of(response)
    assert "rita" in text and "rory" in text
    assert "2 attempts, 75% accuracy" in text and "0 attempts" in text
    assert page_of(resident) in response.content.decode()


def test_staff_see_the_overview_too(alice, resident):
    assert client_for(alice).get(OVERVIEW).status_code == 200


def test_an_attending_sees_a_residents_page_and_export(attending, resident, chest_case):
    attempted(resident, chest_case, "correct", answer="Rita-answer-2718")
    page = client_for(attending).get(page_of(resident))
    assert page.status_code == 200
    assert "Progress of rita" in text_of(page) and "Rita-answer-2718" in text_of(page)
    export = client_for(attending).get(export_of(resident))
    assert "Rita-answer-2718" in export.content.decode()


def test_a_resident_opening_anothers_progress_or_the_overview_is_refused(
    resident, other_resident, chest_case
):
    attempted(other_resident, chest_case)
    client = client_for(resident)
    for url in (OVERVIEW, page_of(other_resident), export_of(other_resident)):
        assert client.get(url).status_code == 403


def test_a_resident_may_open_their_own_page_by_its_number(resident):
    assert client_for(resident).get(page_of(resident)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(resident, client):
    for url in (OVERVIEW, page_of(resident), export_of(resident)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_overview_costs_the_same_queries_however_many_residents_and_attempts(
    attending, resident, chest_case, django_assert_max_num_queries
):
    attempted(resident, chest_case)
    client = client_for(attending)
    with CaptureQueriesContext(connection) as few:
        client.get(OVERVIEW)
    for n in range(5):
        reader = make_user(f"resident{n}", roles.RESIDENTS)
        for _ in range(3):
            attempted(reader, chest_case, "missed")
    with django_assert_max_num_queries(len(few)) as many:
        client.get(OVERVIEW)
    print(f"\n[query count] residents' overview: {len(few)} with 1 resident, {len(many)} with 6")


def test_the_faculty_pages_hold_nothing_hidden_of_a_case_the_resident_has_not_attempted(
    alice, attending, resident, chest_case
):
    marker_case(alice)
    attempted(resident, chest_case)
    client = client_for(attending)
    for url in (OVERVIEW, page_of(resident), export_of(resident)):
        assert leaked(client.get(url)) == []
