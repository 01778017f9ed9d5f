"""The redaction page of a series in the admin (viewer/redaction/admin.py): reached from the
series' row on its study's page, open to who may confirm the series clean, refused to anyone
else; it previews, applies, says what is wrong with a bad post, proposes OCR's rectangles when
tesseract runs and says it cannot when it does not, in a constant number of queries."""

import json
import re

import pytesseract
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import roles
from tests.burned_in_text import draw_frame, secondary_capture
from tests.factories import add_dicom, client_for, make_case, make_user
from tests.pages import html_of, post_confirmation, study_url, text_of
from viewer.models import Redaction

RECTANGLES = json.dumps([[11, 14, 96, 13], [11, 38, 105, 13]])


@pytest.fixture
def series(alice):
    case = make_case(alice, images=0, status="draft")
    return add_dicom(case.studies.get(), [secondary_capture(frames=2)])


def page_url(series, **query):
    url = reverse("admin:viewer_redaction_series", args=[series.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def post(client, series, action="_apply", rectangles=RECTANGLES, scope="every", frame=1):
    data = {"rectangles": rectangles, "scope": scope, action: "1"}
    return client.post(page_url(series, frame=frame), data)


def files_of(series):
    return sorted(series.images.values_list("full", flat=True))


def test_the_series_row_on_the_study_page_links_to_its_redaction_page(series, alice):
    response = client_for(alice).get(study_url(series.study))
    assert page_url(series) in html_of(response)


def test_the_cases_author_sees_the_frame_at_full_size_under_a_canvas(series, alice):
    response = client_for(alice).get(page_url(series, frame=2))
    assert response.status_code == 200
    image = series.images.order_by("position")[1]
    html = html_of(response)
    assert f'src="{image.file_url("full")}"' in html
    canvas = rf'<canvas id="redaction-canvas" width="{image.width}" height="{image.height}"'
    assert re.search(canvas, html)
    assert "Frame 2 of 2" in text_of(response)


def test_an_editor_redacts_another_contributors_series(series, editor):
    response = post(client_for(editor), series)
    assert response.status_code == 302
    assert Redaction.objects.get().author == editor


def test_another_contributor_is_refused_the_page_and_the_post(series, bob):
    before = files_of(series)
    client = client_for(bob)
    assert client.get(page_url(series)).status_code == 403
    assert post(client, series).status_code == 403
    assert files_of(series) == before and not Redaction.objects.exists()


@pytest.mark.parametrize("who", ["resident", "anonymous"])
def test_readers_and_visitors_are_sent_to_the_admin_login(series, who, request):
    user = request.getfixturevalue("resident") if who == "resident" else None
    client = client_for(user)
    before = files_of(series)
    for response in (client.get(page_url(series)), post(client, series)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert files_of(series) == before and not Redaction.objects.exists()


def test_staff_without_the_right_to_change_series_are_refused(series, alice):
    alice.groups.clear()  # staff still, but no longer a contributor
    assert client_for(alice).get(page_url(series)).status_code == 403


def test_a_preview_shows_the_redacted_frame_and_changes_nothing(series, alice):
    before = files_of(series)
    response = post(client_for(alice), series, action="_preview")
    assert response.status_code == 200
    assert 'src="data:image/png;base64,' in html_of(response)
    assert RECTANGLES in html_of(response)  # drawn again over the frame for the apply
    assert files_of(series) == before and not Redaction.objects.exists()


def test_apply_to_every_frame_replaces_every_image_and_returns_to_the_page(series, alice):
    before = files_of(series)
    client = client_for(alice)
    response = post(client, series, frame=2)
    assert response["Location"] == page_url(series, frame=2)
    assert not set(files_of(series)) & set(before)
    done = Redaction.objects.get()
    assert (done.images, done.position, done.author) == (2, None, alice)
    assert "2 rectangle(s) to black in 2 image(s)" in text_of(client.get(response["Location"]))


def test_apply_to_this_frame_replaces_only_the_frame_shown(series, alice):
    first, second = series.images.order_by("position")
    post(client_for(alice), series, scope="this", frame=2)
    now = list(series.images.order_by("position"))
    assert now[0].full.name == first.full.name and now[1].full.name != second.full.name
    assert Redaction.objects.get().position == 1


@pytest.mark.parametrize(
    "rectangles, message",
    [
        ("", "Draw a rectangle over the text first."),
        ("[]", "Draw a rectangle over the text first."),
        ("{not json", "The rectangles could not be read."),
        ('[[1, 2, 0, 5]]', "Each rectangle is x, y, width and height"),
        ('[["a", 2, 3, 5]]', "Each rectangle is x, y, width and height"),
        ("[[400, 2, 3, 5]]", "A rectangle starts outside the frame (320 × 240 pixels)."),
    ],
)
def test_a_bad_post_says_what_is_wrong_and_changes_nothing(series, alice, rectangles, message):
    before = files_of(series)
    response = post(client_for(alice), series, rectangles=rectangles)
    assert response.status_code == 200
    assert message in text_of(response)
    assert files_of(series) == before and not Redaction.objects.exists()


def test_after_a_redaction_the_series_is_confirmed_clean_as_usual(series, alice):
    post(client_for(alice), series)
    assert post_confirmation(client_for(alice), series).status_code == 302
    series.refresh_from_db()
    assert series.burned_in_confirmed_by == alice


def test_ocr_proposes_a_rectangle_over_each_line_of_text(series, alice):
    response = client_for(alice).get(page_url(series, find_text=1))
    proposals = response.context["proposals"]
    _, boxes = draw_frame(seed=0)
    for x, y, width, height in boxes.values():
        assert any(
            px <= x and py <= y and px + pw >= x + width and py + ph >= y + height
            for px, py, pw, ph in proposals
        ), (x, y, width, height)
    assert "redaction-proposals" in html_of(response)
    assert "dashed: accept or discard each" in text_of(response)


def test_without_tesseract_the_page_says_so_and_the_manual_tool_works(series, alice, monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    client = client_for(alice)
    response = client.get(page_url(series, find_text=1))
    assert "Text finding is not available on this server" in text_of(response)
    assert "Find text in this frame" not in text_of(response)
    assert response.context["proposals"] == []
    assert post(client, series).status_code == 302
    assert Redaction.objects.exists()


def test_the_page_takes_as_many_queries_for_a_long_series_as_for_a_short_one(alice):
    case = make_case(alice, images=0, status="draft")
    short = add_dicom(case.studies.get(), [secondary_capture(frames=1)])
    other = make_case(alice, images=0, status="draft")
    long = add_dicom(other.studies.get(), [secondary_capture(frames=6)])
    for one in (short, long):
        post(client_for(alice), one, frame=1)  # an earlier redaction listed on the page
    client = client_for(make_user("erin2", roles.EDITORS, is_staff=True))
    counts = []
    for one in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(one)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
