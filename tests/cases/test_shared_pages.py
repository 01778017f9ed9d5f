"""Logged-in readers share the cached page of their kind (cases/slots.py): each still gets their
own name, CSRF token, links and messages, and a hit renders no template."""

import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.test.signals import template_rendered
from django.urls import reverse

from cases import roles, slots
from tests.factories import client_for, make_case, make_user

BROWSE = reverse("cases:browse", args=["academic"])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def case(alice):
    return make_case(alice, history="A fall onto an outstretched hand <!--reader-name-->.")


@pytest.fixture
def rachel(db):
    return make_user("rachel", roles.RESIDENTS)


def page_of(user, url):
    response = client_for(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("url", ["browse", "case"])
def test_two_readers_of_one_kind_each_get_their_own_name_and_token(
    url, case, resident, rachel
):
    cache.clear()
    path = BROWSE if url == "browse" else reverse("cases:detail", args=["academic", case.pk])
    first = page_of(resident, path)
    second = page_of(rachel, path)
    assert "Log out rita" in first and "rita" not in second
    assert "Log out rachel" in second and "rachel" not in first
    assert slots.NAME_SLOT not in first and slots.CSRF_SLOT not in second
    assert set(TOKEN.findall(first)).isdisjoint(TOKEN.findall(second))


def test_a_hit_of_the_shared_page_renders_no_template(case, resident, rachel):
    cache.clear()
    page_of(resident, BROWSE)
    rendered = []
    template_rendered.connect(
        lambda **kw: rendered.append(kw["template"].name), weak=False, dispatch_uid="hit-test"
    )
    try:
        page_of(rachel, BROWSE)
    finally:
        template_rendered.disconnect(dispatch_uid="hit-test")
    assert rendered == []


def test_contributor_text_holding_a_slot_is_not_filled(case, resident):
    cache.clear()
    page = page_of(resident, reverse("cases:detail", args=["academic", case.pk]))
    assert "outstretched hand &lt;!--reader-name--&gt;." in page


@override_settings(STANDARD_WORKFLOW_GROUPS=[roles.ATTENDINGS])
def test_readers_of_other_kinds_get_their_own_links(case, resident, attending, alice):
    cache.clear()
    pages = {user.username: page_of(user, BROWSE) for user in (resident, attending, alice)}
    standard = reverse("cases:browse", args=["standard"])
    assert f'href="{standard}"' not in pages["rita"]
    assert f'href="{standard}"' in pages["adam"]
    assert reverse("admin:index") in pages["alice"]
    assert reverse("admin:index") not in pages["adam"]


def test_a_reader_with_a_message_waiting_sees_it_once_and_no_one_else_does(case, resident, rachel):
    cache.clear()
    client = client_for(resident)
    client.get(BROWSE)  # the shared page, cached
    leave_message(client, "Your grade was saved.")
    assert "Your grade was saved." in client.get(BROWSE).content.decode()
    assert "Your grade was saved." not in client.get(BROWSE).content.decode()
    assert "Your grade was saved." not in page_of(rachel, BROWSE)


def leave_message(client, text):
    """A message waiting for the reader, as a view of the site leaves one (in its cookie)."""
    storage = CookieStorage(RequestFactory().get(BROWSE))
    client.cookies[storage.cookie_name] = storage._encode([Message(messages.INFO, text)])
