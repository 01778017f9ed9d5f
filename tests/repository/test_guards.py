"""Cheap guards: migrations match the models, every named page renders with one <h1> and obeys
the content security policy, and error pages are the site's own."""

import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from cases import urls as cases_urls
from tests.factories import make_case
from tests.pages import assert_friendly_error_page, csrf_token_in, h1_count, streamed
from viewer import urls as viewer_urls


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.fixture
def case(alice):
    return make_case(alice, tags=["classic"])


def named_pages(case):
    """(name, response) for every named URL a visitor can open; the reveal by POST, followed to
    the answer page."""
    client = Client()
    pages = [("cases:home", client.get(reverse("cases:home")))]
    for workflow in ("standard", "academic"):
        pages += [
            ("cases:browse", client.get(reverse("cases:browse", args=[workflow]))),
            ("cases:detail", client.get(case.get_absolute_url(workflow))),
            ("cases:random", client.get(reverse("cases:random", args=[workflow]), follow=True)),
            ("cases:daily_archive", client.get(reverse("cases:daily_archive", args=[workflow]))),
        ]
    detail = Client(enforce_csrf_checks=True)
    token = csrf_token_in(detail.get(case.get_absolute_url("academic")))
    pages.append(
        ("cases:reveal", detail.post(reverse("cases:reveal", args=[case.pk]),
                                     {"csrfmiddlewaretoken": token}, follow=True))
    )
    pages.append(("cases:answer", detail.get(reverse("cases:answer", args=[case.pk]))))
    pages.append(("login", client.get(reverse("login"))))
    return pages


def names_in(module):
    return {f"{module.app_name}:{pattern.name}" for pattern in module.urlpatterns}


def test_every_named_page_is_covered_by_these_guards(case):
    files = {
        "viewer:image_file",
        "viewer:pixels",
        "viewer:manifest",
        "viewer:case_zip",
        "viewer:series_zip",
        "cases:handout",
        "cases:handout_pair",
        "cases:slides",
        "cases:healthz",
        "viewer:annotate",
        "viewer:annotation",
        "viewer:delete_annotation",
        "viewer:answer_annotations",
        "viewer:review_frame",
        "cases:daily_feed",
    }  # downloads, the viewer's data, the feed and the health check, not HTML pages: each has
    # its own tests
    covered = {name for name, _ in named_pages(case)} | files
    assert names_in(cases_urls) | names_in(viewer_urls) | {"login"} == covered


def test_every_named_page_renders_with_one_heading(case):
    for name, response in named_pages(case):
        assert response.status_code == 200, name
        assert h1_count(response) == 1, name


def test_no_page_needs_what_the_content_security_policy_forbids(case):
    for name, response in named_pages(case):
        body = response.content.decode()
        assert "Content-Security-Policy" in response.headers, name
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), f"inline script in {name}"
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", body), f"event handler in {name}"
        assert not re.search(r"<[^>]+\sstyle\s*=", body), f"inline style in {name}"


def test_an_image_rendition_is_served_as_an_image(case):
    image = case.studies.get().images.get()
    for kind in ("thumbnail", "display", "full"):
        response = Client().get(reverse("viewer:image_file", args=[image.pk, kind]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert streamed(response)


@pytest.mark.parametrize(
    "url", ["/standard/cases/999999/", "/academic/cases/999999/", "/no-such-page/",
            "/images/999999/full/"]
)
def test_a_missing_page_is_a_friendly_not_found(db, url):
    response = Client().get(url)
    assert_friendly_error_page(response, 404)
    assert "Page not found" in response.content.decode()


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
def test_a_forbidden_page_is_a_friendly_forbidden(case, resident):
    client = Client()
    client.force_login(resident)
    response = client.get(reverse("cases:browse", args=["standard"]))
    assert_friendly_error_page(response, 403)
    assert reverse("cases:browse", args=["academic"]) in response.content.decode()
