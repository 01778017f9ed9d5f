"""The progress page: its figures, their cost in queries, the chart, the export and who sees it."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attempts import progress
from attempts.models import Attempt
from tests.factories import MARKERS, client_for, make_case, marker_case
from tests.pages import leaked, text_of

PROGRESS = reverse("attempts:progress")
EXPORT = reverse("attempts:progress_csv")


def attempted(reader, case, grade="correct", confidence="high", days_ago=0, answer="An answer"):
    """An attempt committed `days_ago` days ago, 30 seconds after the case was opened."""
    committed = timezone.now() - timedelta(days=days_ago)
    return Attempt.objects.create(
        reader=reader,
        case=case,
        diagnosis=answer,
        confidence=confidence,
        automatic_grade=grade,
        opened_at=committed - timedelta(seconds=30),
        committed_at=committed,
    )


@pytest.fixture
def cases(alice):
    """A chest CR case and a neuro CT case at fellow level, both trauma, without images."""
    return (
        make_case(alice, images=0, anatomy="chest", modality="CR"),
        make_case(alice, images=0, anatomy="neuro", modality="CT", difficulty="fellow"),
    )


def score_of(scores, label):
    return next(score for score in scores if score.label == label)


def test_accuracy_counts_correct_as_one_partly_as_half_and_missed_as_zero(resident, cases):
    chest, neuro = cases
    attempted(resident, chest, "correct")
    attempted(resident, chest, "partly", confidence="low")
    attempted(resident, neuro, "missed", confidence="low")
    figures = progress.figures(resident)
    assert figures["overall"].attempts == 3 and figures["cases"] == 2
    assert figures["overall"].accuracy == 50  # (1 + 0.5 + 0) / 3
    breakdowns = dict(figures["breakdowns"])
    assert score_of(breakdowns["Anatomy"], "Chest").accuracy == 75
    assert score_of(breakdowns["Modality"], "CT").accuracy == 0
    assert score_of(breakdowns["Level"], "Fellow").attempts == 1
    assert score_of(breakdowns["Diagnostic category"], "Trauma").attempts == 3
    assert score_of(breakdowns["Confidence"], "Low").accuracy == 25  # calibration
    assert score_of(breakdowns["Confidence"], "High").accuracy == 100


def test_the_confirmed_grade_counts_instead_of_the_automatic_one(resident, cases):
    attempt = attempted(resident, cases[0], "missed")
    attempt.confirmed_grade = "correct"
    attempt.save()
    assert progress.figures(resident)["overall"].accuracy == 100


def test_a_case_with_two_studies_of_one_modality_counts_once(resident, cases):
    chest = cases[0]
    chest.studies.create(modality=chest.studies.get().modality, description="Follow-up")
    attempted(resident, chest)
    modality = dict(progress.figures(resident)["breakdowns"])["Modality"]
    assert [(score.label, score.attempts) for score in modality] == [("CR", 1)]


def test_attempts_on_an_unpublished_case_do_not_count(resident, cases):
    attempted(resident, cases[0])
    cases[1].status = "draft"
    cases[1].save()
    attempted(resident, cases[1])
    assert progress.figures(resident)["overall"].attempts == 1


def test_the_streak_counts_consecutive_days_ending_today_or_yesterday():
    today = date(2025, 3, 10)
    days = {today - timedelta(days=n): None for n in (1, 2, 3, 5)}
    assert progress.streak(days, today) == 3
    assert progress.streak({today: None, **days}, today) == 4
    assert progress.streak({today - timedelta(days=2): None}, today) == 0


def test_weeks_gather_the_days_and_empty_weeks_have_no_point(resident, cases):
    attempted(resident, cases[0], "correct", days_ago=0)
    attempted(resident, cases[1], "missed", days_ago=14)
    weeks = progress.weekly(progress.days(Attempt.objects.all()), timezone.localdate())
    assert len(weeks) == progress.CHART_WEEKS and weeks[-1].accuracy == 100
    chart = progress.chart(weeks)
    assert len(chart["points"]) == 2
    assert chart["points"][-1].y == 0 and chart["points"][0].y == chart["height"]


def test_the_page_shows_the_figures_and_an_inline_chart_without_inline_style(resident, cases):
    attempted(resident, cases[0], "correct", days_ago=7)
    attempted(resident, cases[0], "correct", days_ago=1)
    attempted(resident, cases[1], "partly", days_ago=0)
    response = client_for(resident).get(PROGRESS)
    assert response.status_code == 200
    body = response.content.decode()
    text = text_of(response)
    assert "<svg" in body and "<polyline" in body
    assert "style=" not in body and "<style" not in body
    # No script draws the chart: the page's one script is the header's (static/accounts/csrf.js).
    assert re.findall(r"<script[^>]*>", body) == [
        f'<script type="module" src="{static("accounts/csrf.js")}">'
    ]
    assert "83%" in text and "2 days" in text
    assert "correct answer as 1, partly right as 0.5 and missed as 0" in text
    for attempt in Attempt.objects.all():
        assert attempt.get_absolute_url() in body  # recent attempts link to their answer pages


def test_the_page_costs_the_same_queries_however_many_attempts(
    alice, resident, cases, django_assert_max_num_queries
):
    attempted(resident, cases[0])
    client = client_for(resident)
    with CaptureQueriesContext(connection) as few:
        assert client.get(PROGRESS).status_code == 200
    more = [make_case(alice, images=0, anatomy="neuro", modality="MR") for _ in range(4)]
    for n, case in enumerate(more * 5):
        attempted(resident, case, ["correct", "partly", "missed"][n % 3], days_ago=n)
    with django_assert_max_num_queries(len(few)) as many:
        client.get(PROGRESS)
    print(f"\n[query count] progress page: {len(few)} with 1 attempt, {len(many)} with 21")


def test_the_export_has_one_row_per_attempt_with_the_diagnosis_of_each_attempted_case(
    resident, cases
):
    attempted(resident, cases[0], "partly", confidence="medium", answer="Pneumothorax")
    attempted(resident, cases[1], "missed")
    response = client_for(resident).get(EXPORT)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == progress.EXPORT_HEADER
    assert len(rows) == 3
    row = next(row for row in rows[1:] if row[1] == str(cases[0].pk))
    assert row[2:] == [
        "Pneumothorax", "Partly right", "Medium", "30", "Chest", "CR", cases[0].diagnosis
    ]


def test_the_export_costs_the_same_queries_however_many_attempts(
    resident, cases, django_assert_max_num_queries
):
    attempted(resident, cases[0])
    client = client_for(resident)
    with CaptureQueriesContext(connection) as few:
        client.get(EXPORT)
    for n in range(10):
        attempted(resident, cases[n % 2])
    with django_assert_max_num_queries(len(few)):
        client.get(EXPORT)


def test_the_page_and_export_hold_nothing_hidden_of_a_case_not_attempted(alice, resident, cases):
    marker_case(alice)
    attempted(resident, cases[0])
    client = client_for(resident)
    page = client.get(PROGRESS)
    assert leaked(page) == []
    export = client.get(EXPORT).content.decode()
    assert [name for name, marker in MARKERS.items() if marker in export] == []


def test_another_readers_attempts_are_not_counted(resident, other_resident, cases):
    attempted(other_resident, cases[0], answer="Rorys-answer-5150")
    response = client_for(resident).get(PROGRESS)
    assert "Rorys-answer-5150" not in response.content.decode()
    assert progress.figures(resident)["overall"].attempts == 0
    assert "Rorys-answer-5150" not in client_for(resident).get(EXPORT).content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(db, client):
    for url in (PROGRESS, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_header_links_a_logged_in_reader_to_their_progress(resident, client):
    home = reverse("cases:home")
    assert PROGRESS in client_for(resident).get(home).content.decode()
    assert PROGRESS not in client.get(home).content.decode()
