"""Committing an answer to an academic case, the answer page and the reader's grade."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attempts import opening
from attempts.models import Attempt
from cases.models import AcceptedAnswer, Case
from tests.factories import MARKERS, client_for
from tests.pages import csrf_token_in, leaked, text_of


def opened_token_in(response):
    found = re.search(r'name="opened" value="([^"]+)"', response.content.decode())
    assert found, "the page carries no answer form"
    return found.group(1)


def commit(client, case, diagnosis="Slipped capital femoral epiphysis", **fields):
    page = client.get(case.get_absolute_url("academic"))
    data = {
        "csrfmiddlewaretoken": csrf_token_in(page),
        "opened": opened_token_in(page),
        "diagnosis": diagnosis,
        "confidence": "high",
        **fields,
    }
    return client.post(reverse("attempts:commit", args=[case.pk]), data)


def test_a_logged_in_reader_sees_the_answer_form_and_no_answer(secret_case, resident):
    response = client_for(resident).get(secret_case.get_absolute_url("academic"))
    body = response.content.decode()
    assert reverse("attempts:commit", args=[secret_case.pk]) in body
    assert reverse("cases:reveal", args=[secret_case.pk]) not in body
    assert leaked(response) == []


def test_an_anonymous_reader_keeps_the_reveal_button(secret_case, client):
    body = client.get(secret_case.get_absolute_url("academic")).content.decode()
    assert reverse("cases:reveal", args=[secret_case.pk]) in body
    assert reverse("attempts:commit", args=[secret_case.pk]) not in body
    assert opening.OPENED_SLOT not in body


def test_committing_records_the_attempt_and_redirects_to_its_answer_page(secret_case, resident):
    client = client_for(resident, enforce_csrf_checks=True)
    response = commit(client, secret_case, differential_1="Perthes disease")
    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == attempt.get_absolute_url()
    assert attempt.reader == resident and attempt.case == secret_case
    assert attempt.differentials == ["Perthes disease"]
    assert attempt.confidence == "high"
    assert attempt.automatic_grade == "correct"
    assert attempt.opened_at <= attempt.committed_at
    assert leaked(response) == []


def test_the_answer_page_shows_findings_first_then_everything(secret_case, resident):
    client = client_for(resident)
    url = commit(client, secret_case)["Location"]
    first = client.get(url)
    assert first.status_code == 200
    assert sorted(leaked(first)) == ["findings"]
    everything = client.get(url, {"show": "all"})
    assert {"diagnosis", "title", "discussion", "accepted answer", "differential"} <= set(
        leaked(everything)
    )
    assert "Correct" in text_of(everything)


def test_the_answer_page_survives_a_reload(secret_case, resident):
    client = client_for(resident)
    url = commit(client, secret_case)["Location"]
    first, again = client.get(url, {"show": "all"}), client.get(url, {"show": "all"})
    assert again.status_code == 200
    assert text_of(again) == text_of(first)
    assert MARKERS["diagnosis"] in text_of(again)


def test_the_reader_confirms_or_corrects_the_grade_which_then_counts(secret_case, resident):
    client = client_for(resident)
    url = commit(client, secret_case, diagnosis="Perthes disease")["Location"]
    attempt = Attempt.objects.get()
    assert attempt.grade == "missed"
    page = client.get(url, {"show": "all"})
    response = client.post(
        reverse("attempts:confirm_grade", args=[secret_case.pk, attempt.pk]),
        {"confirmed_grade": "partly", "csrfmiddlewaretoken": csrf_token_in(page)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?show=all"
    attempt.refresh_from_db()
    assert attempt.confirmed_grade == "partly" and attempt.grade == "partly"
    assert "You graded it: Partly right" in text_of(client.get(url, {"show": "all"}))


def test_an_accepted_answer_is_graded_correct(secret_case, resident):
    AcceptedAnswer.objects.create(case=secret_case, answer="SCFE", position=2)
    commit(client_for(resident), secret_case, diagnosis="scfe")
    assert Attempt.objects.get().automatic_grade == "correct"


def test_answering_again_is_a_new_attempt(secret_case, resident):
    client = client_for(resident)
    first = commit(client, secret_case)["Location"]
    second = commit(client, secret_case, diagnosis="Perthes")["Location"]
    assert first != second
    assert Attempt.objects.count() == 2


def test_the_time_to_commit_is_measured_from_the_served_page(secret_case, resident, monkeypatch):
    client = client_for(resident)
    served = timezone.now() - timedelta(minutes=3)
    monkeypatch.setattr(opening.timezone, "now", lambda: served)
    page = client.get(secret_case.get_absolute_url("academic"))
    monkeypatch.undo()
    client.post(reverse("attempts:commit", args=[secret_case.pk]), {
        "opened": opened_token_in(page), "diagnosis": "SCFE", "confidence": "low",
    })
    assert 175 <= Attempt.objects.get().seconds_to_commit <= 185 + 60


# --- refusals -----------------------------------------------------------------------------------


def test_a_commit_needs_a_token_served_to_this_reader_for_this_case(
    secret_case, resident, other_resident
):
    page = client_for(other_resident).get(secret_case.get_absolute_url("academic"))
    response = client_for(resident).post(reverse("attempts:commit", args=[secret_case.pk]), {
        "opened": opened_token_in(page), "diagnosis": "SCFE", "confidence": "low",
    })
    assert response.status_code == 400
    assert Attempt.objects.count() == 0
    assert leaked(response) == []


def test_a_forged_token_is_refused(secret_case, resident):
    response = client_for(resident).post(reverse("attempts:commit", args=[secret_case.pk]), {
        "opened": "forged", "diagnosis": "SCFE", "confidence": "low",
    })
    assert response.status_code == 400
    assert Attempt.objects.count() == 0


def test_an_empty_answer_is_refused_without_a_hint(secret_case, resident):
    response = commit(client_for(resident), secret_case, diagnosis="  ")
    assert response.status_code == 400
    assert Attempt.objects.count() == 0
    assert leaked(response) == []


def test_a_commit_on_a_draft_is_not_found(secret_case, resident):
    client = client_for(resident)
    page = client.get(secret_case.get_absolute_url("academic"))
    Case.objects.filter(pk=secret_case.pk).update(status=Case.Status.DRAFT)
    response = client.post(reverse("attempts:commit", args=[secret_case.pk]), {
        "opened": opened_token_in(page), "diagnosis": "SCFE", "confidence": "low",
    })
    assert response.status_code == 404
    assert Attempt.objects.count() == 0
    assert leaked(response) == []


def test_there_is_no_commit_in_the_standard_workflow(secret_case, resident):
    response = client_for(resident).post(f"/standard/cases/{secret_case.pk}/commit/", {
        "diagnosis": "SCFE", "confidence": "low",
    })
    assert response.status_code == 404
    assert Attempt.objects.count() == 0


def test_an_anonymous_commit_is_sent_to_log_in(secret_case):
    response = Client().post(reverse("attempts:commit", args=[secret_case.pk]), {
        "diagnosis": "SCFE", "confidence": "low",
    })
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Attempt.objects.count() == 0


def test_committing_by_get_is_not_allowed(secret_case, resident):
    response = client_for(resident).get(reverse("attempts:commit", args=[secret_case.pk]))
    assert response.status_code == 405


# --- another reader at the answer URL ------------------------------------------------------------


@pytest.mark.parametrize("who", ["other resident", "attending", "anonymous"])
def test_someone_elses_answer_url_shows_the_unknown_only(
    secret_case, resident, other_resident, attending, who
):
    url = commit(client_for(resident), secret_case)["Location"]
    visitor = {"other resident": other_resident, "attending": attending, "anonymous": None}[who]
    for query in ({}, {"show": "all"}, {"show": "findings"}):
        response = client_for(visitor).get(url, query)
        assert response.status_code == 200
        assert leaked(response) == []
        assert "Slipped capital" not in response.content.decode()
        assert "Wrist pain after a fall" in response.content.decode()


def test_someone_else_cannot_grade_an_attempt(secret_case, resident, other_resident):
    commit(client_for(resident), secret_case)
    attempt = Attempt.objects.get()
    response = client_for(other_resident).post(
        reverse("attempts:confirm_grade", args=[secret_case.pk, attempt.pk]),
        {"confirmed_grade": "missed"},
    )
    attempt.refresh_from_db()
    assert attempt.confirmed_grade == ""
    assert leaked(response) == []


def test_an_attempt_under_another_case_shows_that_case_unknown(secret_case, resident, alice):
    from tests.factories import make_case

    other = make_case(alice, images=0)
    commit(client_for(resident), secret_case)
    attempt = Attempt.objects.get()
    response = client_for(resident).get(
        reverse("attempts:answer", args=[other.pk, attempt.pk]), {"show": "all"}
    )
    assert response.status_code == 200
    assert leaked(response) == []


def test_an_unpublished_case_hides_its_answer_page(secret_case, resident):
    client = client_for(resident)
    url = commit(client, secret_case)["Location"]
    secret_case.status = Case.Status.DRAFT
    secret_case.save()
    response = client.get(url, {"show": "all"})
    assert response.status_code == 404
    assert leaked(response) == []
