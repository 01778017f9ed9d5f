"""Who may use the standard workflow: every URL that serves it asks cases.workflows.get_workflow
(whose rule is may_use_standard), so when STANDARD_WORKFLOW_GROUPS is set a resident, and an
anonymous visitor, are refused every one of them; the header and the homepage offer Standard only
to readers who may use it; and the image files both workflows share give a resident what the
academic workflow shows and nothing it hides.

The standard URLs are read from the URL configuration itself, so a URL added later is tested here
without anyone listing it, and a URL that is neither a workflow's nor listed as shared fails."""

import json
import re
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.urls import reverse

import cases.urls
import viewer.urls
from tests.dicom_factory import ct_series
from tests.factories import MARKERS, add_dicom, client_for
from tests.pages import assert_friendly_error_page, html_of, leaked, streamed

LIMITED = override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])

# URLs of neither workflow, and why each may stay so.
SHARED = {
    "cases:home": "offers a workflow only to readers who may use it (tested below)",
    "cases:healthz": "says only that the app answers",
    "viewer:image_file": "a rendition the academic case page shows too (tested below)",
    "viewer:pixels": "stored values the academic viewer windows too (tested below)",
    # Writes, only for who may edit the case (tests/viewer/test_annotations.py).
    "viewer:annotate": "a new annotation of an image",
    "viewer:annotation": "an annotation changed",
    "viewer:delete_annotation": "an annotation deleted",
    # The admin's, only for who may edit the case (tests/viewer/test_pixel_review.py).
    "viewer:review_frame": "a frame an editor reads before confirming a series clean",
}


def _patterns():
    for module in (cases.urls, viewer.urls):
        for pattern in module.urlpatterns:
            yield f"{module.app_name}:{pattern.name}", pattern.pattern


def serves_standard(route):
    """A route any workflow's name fills in, or one under standard/."""
    text = str(route)
    return "<workflow:" in text or text.startswith("standard/")


STANDARD_URLS = [name for name, route in _patterns() if serves_standard(route)]


def test_every_url_is_a_workflows_or_listed_as_shared():
    unclassified = [
        name
        for name, route in _patterns()
        if not serves_standard(route) and not str(route).startswith("academic/")
        and name not in SHARED
    ]
    assert unclassified == []


def test_the_standard_urls_are_the_ones_this_file_expects_at_least():
    assert set(STANDARD_URLS) >= {
        "cases:browse", "cases:detail", "cases:random", "cases:handout", "cases:handout_pair",
        "viewer:manifest", "viewer:case_zip", "viewer:series_zip",
    }


@pytest.fixture
def case_with_series(secret_case):
    """The marker case (pictures captioned with a marker) with a CT series, each slice captioned
    with the marker too."""
    series = add_dicom(secret_case.studies.get(), ct_series(3))
    series.images.update(caption=MARKERS["caption"])
    return secret_case


def standard_url(name, case):
    """The URL `name` for the case in the standard workflow; a new argument name fails here."""
    route = dict(_patterns())[name]
    values = {
        "workflow": "standard",
        "pk": case.pk,
        "series_pk": case.studies.get().series.order_by("pk").last().pk,
    }
    return reverse(name, kwargs={argument: values[argument] for argument in route.converters})


def read(response):
    if response.streaming:
        streamed(response)
    return response


@LIMITED
@pytest.mark.parametrize("name", STANDARD_URLS)
@pytest.mark.parametrize("persona", ["resident", None])
def test_a_standard_url_refuses_a_resident_and_an_anonymous_visitor(
    name, persona, case_with_series, request
):
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(standard_url(name, case_with_series))
    assert_friendly_error_page(response, 403)
    assert leaked(response) == []
    assert "workflow" not in response.cookies


@LIMITED
@pytest.mark.parametrize("name", STANDARD_URLS)
@pytest.mark.parametrize("persona", ["attending", "editor", "alice"])
def test_a_standard_url_is_open_to_attendings_and_staff(name, persona, case_with_series, request):
    client = client_for(request.getfixturevalue(persona))
    response = read(client.get(standard_url(name, case_with_series)))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("name", STANDARD_URLS)
def test_a_standard_url_asks_the_one_access_rule(name, case_with_series):
    """Everyone may use standard here (no groups set) until the rule says no."""
    url = standard_url(name, case_with_series)
    assert read(Client().get(url)).status_code in (200, 302)
    with mock.patch("cases.workflows.may_use_standard", return_value=False) as rule:
        assert Client().get(url).status_code == 403
    rule.assert_called()


# --- what the header and the homepage offer ---------------------------------------------------

STANDARD_LINK = 'href="/standard/'


@LIMITED
@pytest.mark.parametrize("persona", ["resident", None])
def test_standard_is_not_offered_to_a_reader_who_may_not_use_it(persona, secret_case, request):
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)
    for url in (reverse("cases:home"), reverse("cases:browse", args=["academic"]),
                secret_case.get_absolute_url("academic")):
        response = client.get(url)
        assert response.status_code == 200
        assert STANDARD_LINK not in html_of(response)
        assert 'href="/academic/cases/"' in html_of(response)


@LIMITED
@pytest.mark.parametrize("persona", ["attending", "editor", "alice"])
def test_standard_is_offered_to_attendings_and_staff(persona, secret_case, request):
    client = client_for(request.getfixturevalue(persona))
    for url in (reverse("cases:home"), reverse("cases:browse", args=["academic"])):
        assert 'href="/standard/cases/"' in html_of(client.get(url))


def test_standard_is_offered_to_everyone_when_no_group_limits_it(secret_case):
    assert 'href="/standard/cases/"' in html_of(Client().get(reverse("cases:home")))


# --- the image files both workflows share -----------------------------------------------------


def academic_image_urls(client, case):
    """Every image file the academic case page and its viewer's manifests send a reader to."""
    page = html_of(client.get(case.get_absolute_url("academic")))
    urls = set(re.findall(r"/images/\d+/[a-z]+/", page))
    for manifest_url in set(re.findall(r'data-manifest-url="([^"]+)"', page)):
        manifest = json.loads(client.get(manifest_url).content)
        for entry in manifest["images"]:
            urls.update(entry[key] for key in ("pixels_url", "picture_url", "full_url")
                        if key in entry)
    return urls


@LIMITED
def test_a_resident_gets_every_image_file_academic_shows_and_no_caption(case_with_series, resident):
    client = client_for(resident)
    urls = academic_image_urls(client, case_with_series)
    assert any(url.endswith("/pixels") for url in urls)
    assert any(url.endswith("/thumbnail/") for url in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert leaked(response) == [], url  # captions live in rows, never in the files
