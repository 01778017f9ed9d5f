"""Logging out from the header. Its form carries no token in the page, which logged-in readers of
a kind share (cases/slots.py): static/accounts/csrf.js sends the CSRF cookie's secret with it. A
log-out sent without one is asked again on the log-out page, whose form has a token; every other
form sent without one is refused as before."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.pages import csrf_token_in

BROWSE = reverse("cases:browse", args=["academic"])
LOGOUT = reverse("logout")


@pytest.fixture
def reader(resident):
    """A logged-in resident whose client checks CSRF as a browser's requests are checked, with
    the CSRF cookie their login set."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    client.get(LOGOUT)  # a page with a form of its own sets the cookie, as the login page does
    return client


def logged_in(client):
    return SESSION_KEY in client.session


def test_a_logged_in_readers_browse_page_carries_no_token_and_renews_no_cookie(reader):
    response = reader.get(BROWSE)

    page = response.content.decode()
    assert "csrfmiddlewaretoken" not in page
    assert f'data-csrf-cookie="{settings.CSRF_COOKIE_NAME}"' in page
    assert re.search(r'<script type="module" src="[^"]*accounts/csrf[^"]*\.js"', page)
    assert settings.CSRF_COOKIE_NAME not in response.cookies


def test_a_page_with_a_form_of_its_own_still_carries_a_token(reader):
    assert csrf_token_in(reader.get(LOGOUT))


def test_the_header_logs_out_with_the_cookies_secret_as_its_script_sends_it(reader):
    secret = reader.cookies[settings.CSRF_COOKIE_NAME].value

    response = reader.post(LOGOUT, {"csrfmiddlewaretoken": secret})

    assert response.status_code == 302 and response["Location"] == reverse("cases:home")
    assert not logged_in(reader)


def test_a_log_out_sent_without_a_token_is_asked_again_and_the_reader_stays_in(reader):
    response = reader.post(LOGOUT)

    assert response.status_code == 303 and response["Location"] == LOGOUT
    assert logged_in(reader)
    asked = reader.get(LOGOUT)
    assert asked.status_code == 200 and "Log out rita from" in asked.content.decode()
    assert reader.post(LOGOUT, {"csrfmiddlewaretoken": csrf_token_in(asked)}).status_code == 302
    assert not logged_in(reader)


def test_a_log_out_with_a_wrong_token_is_asked_again_too(reader):
    response = reader.post(LOGOUT, {"csrfmiddlewaretoken": "x" * 32})

    assert response.status_code == 303
    assert logged_in(reader)


def test_any_other_form_sent_without_a_token_is_refused(reader, ct_case):
    response = reader.post(reverse("cases:reveal", args=[ct_case.pk]))

    assert response.status_code == 403
    assert response.get("Location") is None


def test_the_log_out_page_sends_a_visitor_who_is_not_logged_in_home(client):
    response = client.get(LOGOUT)

    assert response.status_code == 302 and response["Location"] == reverse("cases:home")


def test_a_logged_in_reader_without_a_csrf_cookie_is_given_one_once(resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)  # logged in, no CSRF cookie yet

    first = client.get(BROWSE)
    second = client.get(BROWSE)

    assert settings.CSRF_COOKIE_NAME in first.cookies
    assert settings.CSRF_COOKIE_NAME not in second.cookies
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert client.post(LOGOUT, {"csrfmiddlewaretoken": secret}).status_code == 302


def test_an_anonymous_page_without_a_form_sets_no_csrf_cookie(client, db):
    response = client.get(BROWSE)

    assert settings.CSRF_COOKIE_NAME not in response.cookies
