"""Residents replay a set as a quiz: each case an unknown with the answer form, the commit an
attempt like any other (progress, review), then on to the next case; the set page shows each
reader their own score, and the owner everyone's."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attempts.models import Attempt, Grade, Review
from tests.factories import client_for
from tests.pages import text_of


def replay_url(case_set, number):
    return reverse("casesets:replay", args=[case_set.token, number])


def attempt(reader, case, grade, confirmed="", when=None):
    now = when or timezone.now()
    return Attempt.objects.create(
        reader=reader, case=case, diagnosis="A guess", confidence=Attempt.Confidence.HIGH,
        automatic_grade=grade, confirmed_grade=confirmed, opened_at=now - timedelta(minutes=1),
        committed_at=now,
    )  # fmt: skip


def commit_through_the_replay(client, case_set, number, diagnosis):
    page = client.get(replay_url(case_set, number)).content.decode()
    action = re.search(r'<form method="post" action="([^"]+)" class="answer-form">', page)[1]
    opened = re.search(r'name="opened" value="([^"]+)"', page)[1]
    data = {"diagnosis": diagnosis, "confidence": "high", "opened": opened}
    return client.post(action.replace("&amp;", "&"), data)


def test_anonymous_visitors_are_sent_to_log_in_to_replay(client, shared_set):
    response = client.get(replay_url(shared_set, 1))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_replayed_case_is_an_unknown_with_the_answer_form(resident, shared_set):
    page = client_for(resident).get(replay_url(shared_set, 2))
    text = text_of(page)
    assert "case 2 of 3" in text and "Unknown 2" in text and "History number 2." in text
    assert "Set case title" not in text and "Set diagnosis" not in text
    assert "opened-token-slot" not in page.content.decode()
    assert "Commit" in text


@pytest.mark.parametrize("number", [0, 4])
def test_a_number_outside_the_set_is_404(resident, shared_set, number):
    assert client_for(resident).get(replay_url(shared_set, number)).status_code == 404


def test_a_commit_counts_as_any_attempt_and_goes_on_to_the_next_case(
    resident, shared_set, three_cases
):
    client = client_for(resident)
    response = commit_through_the_replay(client, shared_set, 1, "Set diagnosis 1")
    attempt = Attempt.objects.get(reader=resident)
    assert attempt.case == three_cases[0] and attempt.grade == Grade.CORRECT
    assert Review.objects.filter(reader=resident, case=three_cases[0]).exists()  # review queue
    answer = client.get(response["Location"])
    onward = re.search(r'<a class="onward" rel="next" href="([^"]+)"', answer.content.decode())
    assert onward[1] == replay_url(shared_set, 2)
    shown = client.get(f"{attempt.get_absolute_url()}?show=all&next={replay_url(shared_set, 2)}")
    assert 'class="onward"' in shown.content.decode()


def test_the_last_cases_answer_goes_back_to_the_set(resident, shared_set):
    client = client_for(resident)
    response = commit_through_the_replay(client, shared_set, 3, "Something else")
    answer = client.get(response["Location"]).content.decode()
    assert f'class="onward" rel="next" href="{shared_set.get_absolute_url()}"' in answer


def test_an_onward_page_on_another_site_is_dropped(resident, three_cases):
    mine = attempt(resident, three_cases[0], Grade.MISSED)
    page = client_for(resident).get(f"{mine.get_absolute_url()}?next=https://evil.example/")
    assert "evil.example" not in page.content.decode()


def test_confirming_a_grade_keeps_the_way_on(resident, shared_set, three_cases):
    mine = attempt(resident, three_cases[0], Grade.MISSED)
    url = reverse("attempts:confirm_grade", args=[three_cases[0].pk, mine.pk])
    onward = replay_url(shared_set, 2)
    response = client_for(resident).post(f"{url}?next={onward}", {"confirmed_grade": "correct"})
    assert "show=all" in response["Location"] and "next=" in response["Location"]


def test_each_reader_sees_their_own_score_from_their_latest_attempts_since_the_set(
    resident, rory, shared_set, three_cases
):
    first, second, third = three_cases
    attempt(resident, first, Grade.CORRECT, when=shared_set.created - timedelta(days=1))
    attempt(resident, first, Grade.MISSED)  # the latest counts
    attempt(resident, second, Grade.MISSED, confirmed=Grade.PARTLY)  # the confirmed grade counts
    attempt(rory, first, Grade.CORRECT)
    attempt(rory, second, Grade.CORRECT)
    attempt(rory, third, Grade.CORRECT)
    text = text_of(client_for(resident).get(shared_set.get_absolute_url()))
    assert "0 correct, 1 partly right, 1 missed, out of 3 (1 not answered yet)" in text
    assert "rory" not in text and "Readers' scores" not in text


def test_a_resident_never_sees_another_readers_score(resident, rory, shared_set, three_cases):
    attempt(rory, three_cases[0], Grade.CORRECT)
    text = text_of(client_for(resident).get(shared_set.get_absolute_url()))
    assert "You have not answered any of these cases" in text
    assert "rory" not in text


def test_the_owner_sees_everyones_scores(attending, resident, rory, shared_set, three_cases):
    attempt(resident, three_cases[0], Grade.CORRECT)
    attempt(rory, three_cases[0], Grade.MISSED)
    attempt(rory, three_cases[1], Grade.PARTLY)
    for workflow in ("academic", "standard"):
        page = client_for(attending).get(shared_set.get_absolute_url(workflow)).content.decode()
        assert score_rows(page) == [("rita", "1", "0", "0", "2"), ("rory", "0", "1", "1", "1")]


def score_rows(page):
    """(reader, correct, partly, missed, not answered) of the owner's table."""
    return re.findall(r'<tr><th scope="row">(\w+)</th>' + r"<td>(\d+)</td>" * 4, page)


def test_another_attending_does_not_see_the_readers_scores(dora, resident, shared_set, three_cases):
    attempt(resident, three_cases[0], Grade.CORRECT)
    text = text_of(client_for(dora).get(shared_set.get_absolute_url("standard")))
    assert "Readers' scores" not in text and "rita" not in text


def test_anonymous_visitors_see_no_score(client, resident, shared_set, three_cases):
    attempt(resident, three_cases[0], Grade.CORRECT)
    text = text_of(client.get(shared_set.get_absolute_url()))
    assert "Your score" not in text and "rita" not in text
