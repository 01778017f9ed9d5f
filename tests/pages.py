"""Reading what the app sends (pages, files, everything a response carries) and filling the
admin's forms the way a browser would."""

import re
from html import unescape

from django.conf import settings
from django.urls import reverse
from django.utils.html import strip_tags
from taggit.utils import edit_string_for_tags

from tests.factories import CERTAINTY_LABEL, MARKERS

# --- reading pages ----------------------------------------------------------------------------


def streamed(response):
    """The bytes of a file response. Reading them to the end is what closes the response here: the
    test client then closes the file without closing the database connection, which a second
    response.close() would do (fatal on PostgreSQL inside a test's transaction)."""
    return b"".join(response.streaming_content)


def text_of(response):
    """The visible text of an HTML response, whitespace collapsed, entities decoded."""
    return " ".join(unescape(strip_tags(response.content.decode())).split())


def html_of(response):
    """The HTML with entities decoded, so URLs can be looked for as written."""
    return unescape(response.content.decode())


def h1_count(response):
    return len(re.findall(r"<h1[\s>]", response.content.decode(), flags=re.IGNORECASE))


def csrf_token_in(response):
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, "the page carries no form with a CSRF token"
    return found.group(1)


def assert_friendly_error_page(response, status):
    """A page in the site's layout, not Django's bare one: one heading, the site's name and a way
    back to the homepage."""
    assert response.status_code == status
    assert h1_count(response) == 1
    body = response.content.decode()
    assert settings.SITE_NAME in body
    assert 'href="/"' in body


# --- what a response gives away (tests.factories.marker_case) --------------------------------


def everything_sent(response):
    """Body, headers and cookies of a response, lower-cased (slugs lower-case the markers)."""
    if response.streaming:
        parts = [streamed(response).decode("latin-1")]
    else:
        parts = [response.content.decode(errors="replace")]
    parts += [f"{name}: {value}" for name, value in response.items()]
    parts.append(response.cookies.output())
    return "\n".join(parts).lower()


def leaked(response):
    """The names of the markers (and "certainty") that the response sends anywhere."""
    sent = everything_sent(response)
    found = [name for name, marker in MARKERS.items() if marker.lower() in sent]
    if CERTAINTY_LABEL.lower() in sent:
        found.append("certainty")
    return found


# --- the admin's forms ------------------------------------------------------------------------


def change_url(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def study_url(study):
    return reverse("admin:cases_study_change", args=[study.pk])


def form_data(response):
    """What the admin change/add form would post back unchanged: fields and inline formsets."""
    data = {}
    for name, value in _values(response.context["adminform"].form):
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in _values(formset.management_form):
            data[name] = value
        for form in formset.forms:
            for name, value in _values(form):
                data[name] = value
    return data


def post_back(client, url, **changes):
    """The admin form at url posted back with these changes (its page must open)."""
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {**form_data(page), **changes})


def _values(form):
    for bound in form:
        value = bound.value()
        if bound.name == "tags" and isinstance(value, list):
            value = edit_string_for_tags(value)
        if value is None or bound.name == "pictures":
            continue
        if isinstance(value, bool):
            if value:
                yield bound.html_name, "on"
            continue
        yield bound.html_name, value


def post_case_with_pictures(client, case, files):
    """The case's change form posted back with `files` in its first study's pictures field."""
    data = form_data(client.get(change_url(case)))
    data["studies-0-pictures"] = files
    return client.post(change_url(case), data)


def post_study_with_pictures(client, study, files):
    """The study's change page posted back with `files` in its pictures field."""
    data = form_data(client.get(study_url(study)))
    data["pictures"] = files
    return client.post(study_url(study), data)


REVIEW_FRAME = re.compile(r'src="(/images/\d+/review/)"')


def review_frames_in(response):
    """The review frames (viewer:review_frame) a study's admin page shows."""
    return REVIEW_FRAME.findall(response.content.decode())


def look_at_review_frames(client, response):
    """Load every review frame of the page, as the browser showing it would; their URLs."""
    frames = review_frames_in(response)
    for url in frames:
        served = client.get(url)
        assert served.status_code == 200, url
        streamed(served)
    return frames


def post_confirmation(client, series, look=True):
    """The series' study page posted back with its "Pixels show no identifier" box ticked,
    having first loaded the frames it shows (unless `look` is false)."""
    page = client.get(study_url(series.study))
    if look:
        look_at_review_frames(client, page)
    data = form_data(page)
    index = next(k for k, v in data.items() if k.endswith("-id") and str(v) == str(series.pk))
    data[index.replace("-id", "-confirm_no_identifier")] = "on"
    return client.post(study_url(series.study), data)


def failed_upload(response, client):
    """(the upload job an admin post made, failed, and the page it led to), asserting both."""
    from viewer.models import UploadJob

    assert response.status_code == 302, response.content[:2000]
    job = UploadJob.objects.latest("pk")
    assert job.state == UploadJob.State.FAILED, job.progress()
    return job, client.get(response.url).content.decode()
