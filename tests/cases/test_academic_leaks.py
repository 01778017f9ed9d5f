"""The academic workflow never sends what could give the answer away (HIDDEN_IN_ACADEMIC):
not in the body, the <title>, meta tags, attributes, URLs, cookies or headers.

Every hidden field of one published case holds a unique marker; every academic page is searched
for every marker. The same pages in the standard workflow must show them, so the test can fail.
"""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from cases.models import Case
from cases.workflows import HIDDEN_IN_ACADEMIC
from tests.factories import MARKERS, client_for
from tests.pages import csrf_token_in, leaked

ACADEMIC_FILTERS = [
    {},
    {"anatomy": "musculoskeletal", "modality": "CR"},
    {"author": "alice", "age": "adult", "difficulty": "resident", "sort": "oldest"},
    # Standard-only filters typed into an academic URL are dropped, never echoed into links.
    {"anatomy": "musculoskeletal", "category": MARKERS["category"].lower(),
     "tag": MARKERS["tag"].lower()},
]


def academic_pages(client, case):
    """Every academic page that can show this case, and the images they point to."""
    responses = [client.get(reverse("cases:home"))]
    for filters in ACADEMIC_FILTERS:
        responses.append(client.get(reverse("cases:browse", args=["academic"]), filters))
        responses.append(client.get(reverse("cases:random", args=["academic"]), filters))
        responses.append(client.get(case.get_absolute_url("academic"), filters))
    responses += [client.get(url) for url in _manifest_urls(responses)]
    image_urls = set()
    for response in responses:
        if not response.streaming:
            image_urls.update(re.findall(r"/images/\d+/\w+/", response.content.decode()))
    for image in _images_of(case):
        for kind in ("thumbnail", "display", "full"):
            image_urls.add(reverse("viewer:image_file", args=[image.pk, kind]))
    responses += [client.get(url) for url in sorted(image_urls)]
    return responses


def _manifest_urls(responses):
    """The series manifests the pages name: the viewer's data, annotations among them."""
    urls = set()
    for response in responses:
        if not response.streaming:
            urls.update(re.findall(r'data-manifest-url="([^"]+)"', response.content.decode()))
    return sorted(urls)


def _images_of(case):
    return [image for study in case.studies.all() for image in study.images.all()]


def test_every_hidden_field_carries_a_marker():
    covered = {"title", "category", "certainty", "diagnosis", "discussion"}
    covered |= {"differentials", "findings", "references", "tags", "captions", "accepted_answers"}
    covered |= {"annotations"}
    assert HIDDEN_IN_ACADEMIC <= covered


def test_academic_pages_never_send_a_hidden_field(secret_case):
    for cookie in (None, "academic"):
        client = Client()
        if cookie:
            client.cookies["workflow"] = cookie
        for response in academic_pages(client, secret_case):
            assert response.status_code in (200, 302), response
            assert leaked(response) == [], response.wsgi_request.get_full_path()


@pytest.mark.parametrize("filters", ACADEMIC_FILTERS)
def test_academic_random_redirects_to_the_case_without_naming_it(secret_case, filters):
    response = Client().get(reverse("cases:random", args=["academic"]), filters)
    assert response.status_code == 302
    assert response["Location"].startswith(secret_case.get_absolute_url("academic"))
    assert leaked(response) == []


def test_standard_detail_shows_every_field_academic_hides(secret_case):
    client = Client()
    response = client.get(secret_case.get_absolute_url("standard"))
    assert response.status_code == 200
    manifests = [client.get(url) for url in _manifest_urls([response])]
    shown = set(leaked(response)).union(*(leaked(manifest) for manifest in manifests))
    assert sorted(shown) == sorted([*MARKERS, "certainty"])
    assert "annotation" not in leaked(response)  # only the viewer's manifest draws them


def test_standard_browse_and_home_show_the_title(secret_case):
    client = Client()
    browse = client.get(reverse("cases:browse", args=["standard"]))
    assert MARKERS["title"] in browse.content.decode()
    assert client.cookies["workflow"].value == "standard"
    home = client.get(reverse("cases:home"))
    assert MARKERS["title"] in home.content.decode()


def test_academic_detail_never_sends_the_diagnosis(secret_case):
    response = Client().get(secret_case.get_absolute_url("academic"))
    assert response.status_code == 200
    assert MARKERS["diagnosis"] not in response.content.decode()
    assert "Wrist pain after a fall" in response.content.decode()


def test_academic_pages_show_what_a_reader_is_given(secret_case):
    body = Client().get(secret_case.get_absolute_url("academic")).content.decode()
    assert secret_case.history in body
    assert "Two views" in body  # the study's description
    image = _images_of(secret_case)[0]
    assert reverse("viewer:image_file", args=[image.pk, "display"]) in body


def test_revealing_answers_with_the_diagnosis(secret_case):
    client = Client(enforce_csrf_checks=True)
    page = client.get(secret_case.get_absolute_url("academic"))
    reveal_url = reverse("cases:reveal", args=[secret_case.pk])
    assert reveal_url in page.content.decode()
    response = client.post(reveal_url, {"csrfmiddlewaretoken": csrf_token_in(page)})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:answer", args=[secret_case.pk])
    response = client.get(response["Location"])
    assert response.status_code == 200
    body = response.content.decode()
    assert MARKERS["diagnosis"] in body
    assert MARKERS["title"] in body


def test_revealing_needs_the_csrf_token(secret_case):
    client = Client(enforce_csrf_checks=True)
    client.get(secret_case.get_absolute_url("academic"))
    response = client.post(reverse("cases:reveal", args=[secret_case.pk]))
    assert response.status_code == 403
    assert leaked(response) == []


def test_revealing_by_get_is_not_allowed(secret_case):
    response = Client().get(reverse("cases:reveal", args=[secret_case.pk]))
    assert response.status_code == 405
    assert leaked(response) == []


def test_revealing_a_draft_is_not_found(secret_case):
    Case.objects.filter(pk=secret_case.pk).update(status=Case.Status.DRAFT)
    response = Client().post(reverse("cases:reveal", args=[secret_case.pk]))
    assert response.status_code == 404
    assert leaked(response) == []


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
def test_a_remembered_standard_workflow_falls_back_to_academic_for_a_resident(
    secret_case, resident
):
    client = client_for(resident)
    client.cookies["workflow"] = "standard"
    response = client.get(reverse("cases:home"))
    assert response.status_code == 200
    assert leaked(response) == []


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
def test_a_resident_still_reveals_in_the_academic_workflow(secret_case, resident):
    client = client_for(resident, enforce_csrf_checks=True)
    page = client.get(secret_case.get_absolute_url("academic"))
    response = client.post(
        reverse("cases:reveal", args=[secret_case.pk]),
        {"csrfmiddlewaretoken": csrf_token_in(page)},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("cases:answer", args=[secret_case.pk]), 302)]
    assert response.status_code == 200
    assert MARKERS["diagnosis"] in response.content.decode()
