"""Annotations: who may draw them (the case's author, or an editor), what a drawing must be, and
who is sent them (standard readers in the manifest; an academic reader only once they committed
an answer or revealed it, apart from the manifest every reader shares)."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from attempts.models import Attempt, Grade
from cases.caching import content_version
from cases.models import Case
from tests.factories import MARKERS, client_for, make_case, marker_case
from viewer.models import Annotation

ARROW = {"kind": "arrow", "points": [[10, 12], [40, 30]], "label": ""}


@pytest.fixture
def case(alice):
    return make_case(alice, images=1)


def first_image(case):
    return case.studies.get().images.get()


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def annotate(client, image, data=ARROW):
    return post(client, reverse("viewer:annotate", args=[image.pk]), data)


def picture_manifest(client, case, workflow="standard"):
    series = case.studies.get().series.get()
    url = reverse("viewer:manifest", args=[workflow, case.pk, series.pk])
    return client.get(url).json()


def test_the_cases_author_saves_an_arrow_in_the_images_pixels(alice):
    case = make_case(alice, status=Case.Status.DRAFT)  # a published one goes back to review
    response = annotate(client_for(alice), first_image(case))
    assert response.status_code == 201
    saved = Annotation.objects.get()
    assert (saved.kind, saved.points, saved.author) == ("arrow", [[10, 12], [40, 30]], alice)
    delete_url = reverse("viewer:delete_annotation", args=[saved.pk])
    assert response.json() == {"id": saved.pk, **ARROW, "delete_url": delete_url}


def test_an_editor_annotates_another_contributors_case(case, editor):
    assert annotate(client_for(editor), first_image(case)).status_code == 201


@pytest.mark.parametrize("who", ["anonymous", "resident", "attending", "bob"])
def test_anyone_who_may_not_edit_the_case_is_refused(case, who, request):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = annotate(client_for(user), first_image(case))
    assert response.status_code in (302, 403)
    assert not Annotation.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "resident", "bob"])
def test_anyone_who_may_not_edit_the_case_cannot_change_or_delete_one(case, alice, who, request):
    saved = Annotation.objects.create(image=first_image(case), author=alice, **ARROW)
    client = client_for(None if who == "anonymous" else request.getfixturevalue(who))
    moved = post(client, reverse("viewer:annotation", args=[saved.pk]), {**ARROW, "label": "x"})
    deleted = client.post(reverse("viewer:delete_annotation", args=[saved.pk]))
    assert moved.status_code in (302, 403) and deleted.status_code in (302, 403)
    saved.refresh_from_db()
    assert saved.label == ""


def test_the_author_relabels_and_deletes_an_annotation(case, alice):
    client = client_for(alice)
    saved = Annotation.objects.create(image=first_image(case), author=alice, **ARROW)
    text = {"kind": "text", "points": [[5, 5]], "label": "Lucent band"}
    assert post(client, reverse("viewer:annotation", args=[saved.pk]), text).status_code == 200
    saved.refresh_from_db()
    assert (saved.kind, saved.label) == ("text", "Lucent band")
    assert client.post(reverse("viewer:delete_annotation", args=[saved.pk])).status_code == 204
    assert not Annotation.objects.exists()


def test_the_write_endpoints_need_the_csrf_token(case, alice):
    client = client_for(alice, enforce_csrf_checks=True)
    assert annotate(client, first_image(case)).status_code == 403
    client.get(case.get_absolute_url("standard"))  # the CSRF cookie, which the page's script reads
    url = reverse("viewer:annotate", args=[first_image(case).pk])
    response = client.post(
        url, json.dumps(ARROW), content_type="application/json",
        headers={"X-CSRFToken": client.cookies[settings.CSRF_COOKIE_NAME].value},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({**ARROW, "kind": "star"}, "kind", "invalid_choice"),
        ({**ARROW, "points": [[1, 2]]}, "points", "point_count"),
        ({**ARROW, "points": [[1, "2"], [3, 4]]}, "points", "not_points"),
        ({**ARROW, "points": [[1, True], [3, 4]]}, "points", "not_points"),
        ({**ARROW, "points": [[1, 2], [10_000, 4]]}, "points", "out_of_bounds"),
        ({"kind": "text", "points": [[1, 2]], "label": " "}, "label", "label_required"),
        ({**ARROW, "label": "x" * 81}, "label", "max_length"),
    ],
)
def test_a_bad_drawing_is_refused_with_its_reason(case, alice, data, field, code):
    response = annotate(client_for(alice), first_image(case), data)
    assert response.status_code == 400
    assert response.json()["errors"][field][0]["code"] == code
    assert not Annotation.objects.exists()


def test_a_body_that_is_not_json_is_refused(case, alice):
    url = reverse("viewer:annotate", args=[first_image(case).pk])
    response = client_for(alice).post(url, "nope", content_type="application/json")
    assert response.status_code == 400


def test_saving_or_deleting_an_annotation_draws_a_new_content_version(case, alice):
    before = content_version()
    saved = Annotation.objects.create(image=first_image(case), author=alice, **ARROW)
    created = content_version()
    saved.delete()
    assert len({before, created, content_version()}) == 3


def test_the_standard_manifest_lists_each_images_annotations(case, alice, attending):
    saved = Annotation.objects.create(image=first_image(case), author=alice, **ARROW)
    entry = picture_manifest(client_for(attending), case)["images"][0]
    assert entry["annotations"] == [saved.as_json()]
    assert "annotations_url" not in entry  # an attending reads; only who may edit draws


def test_the_standard_manifest_tells_its_editor_where_to_post_and_is_not_kept(case, alice):
    response = client_for(alice).get(
        reverse("viewer:manifest", args=["standard", case.pk, first_image(case).series_id])
    )
    data = response.json()
    assert data["annotate"] is True
    saved = Annotation.objects.create(image=first_image(case), author=alice, **ARROW)
    data = client_for(alice).get(response.wsgi_request.path).json()
    assert data["images"][0]["annotations"] == [saved.as_json(editable=True)]
    assert data["images"][0]["annotations_url"] == reverse(
        "viewer:annotate", args=[first_image(case).pk]
    )
    assert "no-cache" in response["Cache-Control"]


def test_the_academic_manifest_never_lists_annotations(alice, resident):
    case = marker_case(alice)
    data = picture_manifest(client_for(resident), case, "academic")
    assert all("annotations" not in entry for entry in data["images"])
    assert MARKERS["annotation"] not in json.dumps(data)


def answer_annotations(client, case):
    return client.get(reverse("viewer:answer_annotations", args=[case.pk]))


def test_an_academic_reader_who_has_not_answered_gets_no_annotations(alice, resident):
    case = marker_case(alice)
    for client in (client_for(None), client_for(resident)):
        response = answer_annotations(client, case)
        assert response.status_code == 404
        assert MARKERS["annotation"] not in response.content.decode()


def test_another_readers_attempt_opens_no_annotations_to_this_one(alice, resident, attending):
    case = marker_case(alice)
    commit_answer(attending, case)
    assert answer_annotations(client_for(resident), case).status_code == 404


def test_a_reader_who_committed_gets_the_annotations_never_stored(alice, resident):
    case = marker_case(alice)
    commit_answer(resident, case)
    response = answer_annotations(client_for(resident), case)
    assert response.status_code == 200
    image = case.studies.get().images.first()
    assert response.json()["images"][str(image.pk)][0]["label"] == MARKERS["annotation"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_reader_whose_session_revealed_the_case_gets_the_annotations(alice):
    case = marker_case(alice)
    client = client_for(None)
    client.post(reverse("cases:reveal", args=[case.pk]))
    response = answer_annotations(client, case)
    assert MARKERS["annotation"] in response.content.decode()


def commit_answer(reader, case):
    return Attempt.objects.create(
        reader=reader, case=case, diagnosis="A guess", confidence=Attempt.Confidence.HIGH,
        automatic_grade=Grade.MISSED, opened_at=timezone.now() - timedelta(minutes=2),
    )


def annotations_url_in(response):
    pk = response.wsgi_request.resolver_match.kwargs["pk"]
    return reverse("viewer:answer_annotations", args=[pk]) in response.content.decode()


def test_only_a_page_showing_the_answer_names_the_annotations_url(alice, resident):
    case = marker_case(alice)
    client = client_for(resident)
    assert not annotations_url_in(client.get(case.get_absolute_url("academic")))
    attempt = commit_answer(resident, case)
    answer = reverse("attempts:answer", args=[case.pk, attempt.pk])
    assert not annotations_url_in(client.get(answer))  # findings first: no answer yet
    assert annotations_url_in(client.get(f"{answer}?show=all"))
    assert not annotations_url_in(client_for(None).get(reverse("cases:answer", args=[case.pk])))
