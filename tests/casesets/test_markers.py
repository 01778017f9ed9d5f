"""The academic rule on every page a set has: a case with a marker in every field the academic
workflow hides (tests.factories.marker_case) sends none of them from the academic set page,
presenter mode (whatever step its URL asks for), the replay, the list of sets or the viewer
manifests they name, to anyone, its owner included; nor the presenter notes. Its standard pages
show them, so these tests can fail."""

import re

import pytest
from django.urls import reverse

from tests.casesets.conftest import NOTE
from tests.factories import client_for, make_set, marker_case
from tests.pages import leaked


@pytest.fixture
def marked_set(attending, alice, three_cases):
    case = marker_case(alice)
    case_set = make_set(
        attending, [case, three_cases[0]], visibility="listed", notes=[NOTE, NOTE], name="Wrists"
    )
    return case_set


def academic_pages(client, case_set):
    token = case_set.token
    responses = [
        client.get(reverse("casesets:list")),
        client.get(reverse("casesets:detail", args=["academic", token])),
        client.get(reverse("casesets:present", args=["academic", token])),
        client.get(reverse("casesets:present", args=["academic", token]), {"case": 1, "step": 2}),
        client.get(reverse("casesets:replay", args=[token, 1])),
        client.get(reverse("casesets:replay", args=[token, 2])),
    ]
    manifests = set()
    for response in responses:
        manifests.update(re.findall(r'data-manifest-url="([^"]+)"', response.content.decode()))
    assert manifests or all(r.status_code != 200 for r in responses[2:4])
    return responses + [client.get(url) for url in manifests]


def notes_in(response):
    return NOTE.lower() in response.content.decode().lower()


@pytest.mark.parametrize("who", ["client", "resident", "dora", "attending"])
def test_no_academic_page_of_a_set_sends_a_hidden_field_or_the_notes(who, request, marked_set):
    user = request.getfixturevalue(who)
    client = user if who == "client" else client_for(user)
    for response in academic_pages(client, marked_set):
        assert response.status_code in (200, 302), response
        assert leaked(response) == [], response.wsgi_request.get_full_path()
        assert not notes_in(response), response.wsgi_request.get_full_path()


def test_the_academic_presenter_links_only_academic_manifests(resident, marked_set):
    url = reverse("casesets:present", args=["academic", marked_set.token])
    page = client_for(resident).get(url)
    manifests = re.findall(r'data-manifest-url="([^"]+)"', page.content.decode())
    assert manifests and all(url.startswith("/academic/") for url in manifests)


def test_the_owners_standard_pages_show_the_answer_so_the_tests_can_fail(attending, marked_set):
    client = client_for(attending)
    present = client.get(reverse("casesets:present", args=["standard", marked_set.token]))
    assert {"title", "diagnosis", "findings", "discussion", "differential"} <= set(leaked(present))
    assert notes_in(present)
    detail = client.get(reverse("casesets:detail", args=["standard", marked_set.token]))
    assert {"title", "category"} <= set(leaked(detail)) and notes_in(detail)
