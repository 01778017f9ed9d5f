"""The login page is the site's, under its name; the header's login link brings the reader back
to the page they were on, and never to another site."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import make_case, make_user
from tests.pages import html_of, text_of

LOGIN = reverse("login")


@override_settings(SITE_NAME="Pediatric Radiology Cases")
def test_the_login_pages_header_shows_the_site_name_not_the_host(db):
    response = Client(HTTP_HOST="testserver").get(LOGIN)
    header = html_of(response).split("</header>")[0]
    assert "Pediatric Radiology Cases" in header
    assert "testserver" not in text_of(response)
    assert "<title>Log in · Pediatric Radiology Cases</title>" in html_of(response)


def test_the_header_login_link_keeps_the_page_the_reader_was_on(alice):
    case = make_case(alice)
    for url in (case.get_absolute_url("academic"), reverse("cases:browse", args=["academic"])):
        assert f'href="{LOGIN}?next={url}"' in html_of(Client().get(url))


def test_the_login_link_is_the_same_for_every_reader_of_a_cached_page(alice):
    url = reverse("cases:browse", args=["academic"])
    Client().get(url, {"utm": '"><script>'})  # cached under the same entry as the plain page
    page = html_of(Client().get(url))
    assert f'href="{LOGIN}?next={url}"' in page
    assert "utm" not in page


def test_the_login_page_links_to_itself_without_a_next(db):
    assert f'href="{LOGIN}"' in html_of(Client().get(LOGIN))


@pytest.mark.parametrize("target", ["/academic/cases/", "//evil.example/", "https://evil.example/"])
def test_logging_in_returns_to_the_page_on_this_site_only(db, target):
    make_user("rina")
    response = Client().post(
        f"{LOGIN}?next={target}",
        {"username": "rina", "password": "correct horse battery", "next": target},
    )
    assert response.status_code == 302
    expected = target if target.startswith("/academic") else "/"
    assert response["Location"] == expected
