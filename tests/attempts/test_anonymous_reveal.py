"""An anonymous reader's Reveal: a POST remembered in their session, then a GET answer URL that
survives reload and Back for that session, while anyone else at it sees the unknown."""

import pytest
from django.test import Client
from django.urls import reverse

from cases import reveals
from cases.models import Case
from tests.factories import MARKERS, client_for, make_case
from tests.pages import csrf_token_in, leaked


def answer_url(case):
    return reverse("cases:answer", args=[case.pk])


def reveal(client, case, query=""):
    page = client.get(case.get_absolute_url("academic") + query)
    url = reverse("cases:reveal", args=[case.pk]) + query
    return client.post(url, {"csrfmiddlewaretoken": csrf_token_in(page)})


def test_revealing_redirects_to_the_answer_url_which_shows_the_answer(secret_case):
    client = Client(enforce_csrf_checks=True)
    response = reveal(client, secret_case)
    assert response.status_code == 302
    assert response["Location"] == answer_url(secret_case)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert {"title", "diagnosis", "findings", "discussion", "accepted answer"} <= set(leaked(page))


def test_the_answer_url_survives_a_reload_and_coming_back(secret_case, alice):
    client = Client(enforce_csrf_checks=True)
    url = reveal(client, secret_case)["Location"]
    client.get(url)
    client.get(make_case(alice).get_absolute_url("academic"))  # on to another case
    again = client.get(url)  # Back, or a reload
    assert again.status_code == 200
    assert MARKERS["diagnosis"] in again.content.decode()


def test_the_reveal_keeps_the_browse_filters(secret_case):
    client = Client(enforce_csrf_checks=True)
    response = reveal(client, secret_case, "?anatomy=musculoskeletal")
    assert response["Location"] == f"{answer_url(secret_case)}?anatomy=musculoskeletal"
    assert MARKERS["diagnosis"] in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("who", ["another visitor", "a resident", "an attending"])
def test_anyone_else_at_the_answer_url_sees_the_unknown(secret_case, resident, attending, who):
    url = reveal(Client(enforce_csrf_checks=True), secret_case)["Location"]
    other = {"another visitor": None, "a resident": resident, "an attending": attending}[who]
    response = client_for(other).get(url)
    assert response.status_code == 200
    assert leaked(response) == []


def test_a_session_that_revealed_one_case_sees_only_the_unknown_of_another(secret_case, alice):
    client = Client(enforce_csrf_checks=True)
    reveal(client, make_case(alice))
    assert leaked(client.get(answer_url(secret_case))) == []


def test_another_visitor_first_at_the_url_does_not_hide_the_answer_from_the_revealer(
    secret_case,
):
    # The unknown at this URL is cached for visitors without a session: it must not be what the
    # revealer, who has one, is served.
    assert leaked(Client().get(answer_url(secret_case))) == []
    revealer = Client(enforce_csrf_checks=True)
    url = reveal(revealer, secret_case)["Location"]
    assert MARKERS["diagnosis"] in revealer.get(url).content.decode()
    assert leaked(Client().get(url)) == []  # and the revealed page is not cached for others


def test_the_case_page_itself_stays_the_unknown_after_a_reveal(secret_case):
    client = Client(enforce_csrf_checks=True)
    reveal(client, secret_case)
    assert leaked(client.get(secret_case.get_absolute_url("academic"))) == []


def test_a_withdrawn_case_is_not_found_at_its_answer_url(secret_case):
    client = Client(enforce_csrf_checks=True)
    url = reveal(client, secret_case)["Location"]
    Case.objects.filter(pk=secret_case.pk).update(status=Case.Status.DRAFT)
    response = client.get(url)
    assert response.status_code == 404
    assert leaked(response) == []


def test_revealing_a_draft_is_not_remembered(secret_case):
    Case.objects.filter(pk=secret_case.pk).update(status=Case.Status.DRAFT)
    client = Client()
    assert client.post(reverse("cases:reveal", args=[secret_case.pk])).status_code == 404
    assert reveals.SESSION_KEY not in client.session


def test_the_session_remembers_a_bounded_number_of_reveals(rf, secret_case):
    request = rf.get("/")
    request.session = {}
    for pk in range(reveals.KEEP + 10):
        reveals.remember(request, pk)
    reveals.remember(request, 3)  # revealed again: now the most recent
    assert len(request.session[reveals.SESSION_KEY]) == reveals.KEEP
    assert reveals.revealed(request, 3)
    assert reveals.revealed(request, reveals.KEEP + 9)
    assert not reveals.revealed(request, 5)  # among the oldest, forgotten
