"""The case page's body is cached (cases/results.py) per workflow, case, query string, revealed
or not, and content version: served again with one query (its status and the version, in one
statement), never across workflows, never revealed to a reader who did not reveal it, stale at
the next save; the header and the reveal form's CSRF token stay each reader's own."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from tests.factories import MARKERS, client_for, make_case
from tests.pages import csrf_token_in, leaked


def read(case, workflow, client=None, **params):
    response = (client or Client()).get(case.get_absolute_url(workflow), params)
    assert response.status_code == 200
    return response


def reveal(case, client, **params):
    page = read(case, "academic", client, **params)
    url = reverse("cases:reveal", args=[case.pk])
    query = "&".join(f"{name}={value}" for name, value in params.items())
    response = client.post(f"{url}?{query}" if query else url,
                           {"csrfmiddlewaretoken": csrf_token_in(page)})
    answer_url = reverse("cases:answer", args=[case.pk])
    assert response.status_code == 302
    assert response["Location"] == (f"{answer_url}?{query}" if query else answer_url)
    response = client.get(response["Location"])
    assert response.status_code == 200
    return response


def test_a_case_page_seen_before_costs_its_status_and_the_content_version_in_one_query(
    secret_case, django_assert_num_queries
):
    read(secret_case, "academic")
    with django_assert_num_queries(1):
        page = read(secret_case, "academic")
    assert secret_case.history in page.content.decode()


def test_academic_is_never_served_the_cached_standard_page_of_the_same_case(secret_case):
    assert leaked(read(secret_case, "standard")) != []
    assert leaked(read(secret_case, "academic")) == []
    assert leaked(read(secret_case, "standard", anatomy="musculoskeletal")) != []
    assert leaked(read(secret_case, "academic", anatomy="musculoskeletal")) == []


def test_a_reveal_shows_the_answer_to_that_reader_only(secret_case):
    revealer = Client(enforce_csrf_checks=True)
    assert MARKERS["diagnosis"] in reveal(secret_case, revealer).content.decode()
    assert leaked(read(secret_case, "academic")) == []  # another anonymous reader
    assert leaked(read(secret_case, "academic", revealer)) == []  # the next case page is unknown


def test_a_second_reveal_is_served_the_answer_again(secret_case):
    reveal(secret_case, Client(enforce_csrf_checks=True))
    again = reveal(secret_case, Client(enforce_csrf_checks=True))
    assert MARKERS["diagnosis"] in again.content.decode()


def test_a_cached_page_carries_each_readers_own_csrf_token(secret_case):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token1 = csrf_token_in(read(secret_case, "academic", first))
    token2 = csrf_token_in(read(secret_case, "academic", second))
    assert "csrf-token-slot" not in token1 + token2
    assert token1 != token2
    # The second reader's page came from the cache; its form still reveals.
    assert MARKERS["diagnosis"] in reveal(secret_case, second).content.decode()


def test_a_cached_page_names_only_the_reader_reading_it(secret_case, alice, bob):
    read(secret_case, "standard", client_for(alice))
    page = read(secret_case, "standard", client_for(bob)).content.decode()
    assert "Log out bob" in page and "Log out alice" not in page


def test_previous_and_next_follow_the_query_string(alice):
    older = make_case(alice, title="Older", anatomy="chest")
    middle = make_case(alice, title="Middle", anatomy="neuro")
    newer = make_case(alice, title="Newer", anatomy="chest")
    everything = read(middle, "standard").content.decode()
    assert f"/standard/cases/{older.pk}/" in everything
    assert f"/standard/cases/{newer.pk}/" in everything
    neuro_only = read(middle, "standard", anatomy="neuro").content.decode()
    assert f"/standard/cases/{older.pk}/" not in neuro_only
    assert f"/standard/cases/{middle.pk}/?anatomy=neuro" not in neuro_only
    assert "/standard/cases/?anatomy=neuro" in neuro_only  # back to the same results


def test_an_edited_case_shows_at_once(secret_case):
    read(secret_case, "academic")
    secret_case.history = "Fell from a ladder."
    secret_case.save()
    assert "Fell from a ladder." in read(secret_case, "academic").content.decode()


def test_an_image_added_shows_at_once(secret_case):
    before = read(secret_case, "academic").content.decode().count('class="case-image"')
    from tests.factories import add_pictures

    add_pictures(secret_case.studies.get(), 1)
    after = read(secret_case, "academic").content.decode().count('class="case-image"')
    assert after == before + 1


def test_an_unpublished_case_is_gone_at_once(secret_case):
    read(secret_case, "academic")
    secret_case.status = Case.Status.DRAFT
    secret_case.save()
    assert Client().get(secret_case.get_absolute_url("academic")).status_code == 404


def test_the_viewer_reaches_a_cached_page_intact(secret_case):
    read(secret_case, "academic")
    page = read(secret_case, "academic").content.decode()
    image = secret_case.studies.get().images.first()
    manifest = reverse("viewer:manifest", args=["academic", secret_case.pk, image.series_id])
    assert f'data-manifest-url="{manifest}"' in page
    assert f'data-series="{image.series_id}"' in page
    assert 'id="viewer"' in page and "viewer/viewer" in page


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_the_title_names_the_case_as_the_workflow_shows_it(secret_case, workflow):
    read(secret_case, workflow)
    title = read(secret_case, workflow).content.decode().split("<title>")[1].split("</title>")[0]
    expected = MARKERS["title"] if workflow == "standard" else "Wrist pain after a fall"
    assert title.startswith(expected)


def test_a_page_cached_for_anonymous_readers_never_reaches_a_logged_in_one(secret_case, alice):
    read(secret_case, "standard")
    read(secret_case, "standard")
    page = read(secret_case, "standard", client_for(alice)).content.decode()
    assert "Log out alice" in page


def test_a_page_cached_for_a_logged_in_reader_never_reaches_an_anonymous_one(secret_case, alice):
    read(secret_case, "standard", client_for(alice))
    page = read(secret_case, "standard").content.decode()
    assert "Log out" not in page and "Log in" in page


def test_case_pages_vary_by_cookie(secret_case):
    read(secret_case, "academic")
    assert "Cookie" in read(secret_case, "academic")["Vary"]
