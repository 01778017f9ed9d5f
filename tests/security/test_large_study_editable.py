"""Issue #16, finding 5: a study of many pictures and series stays editable.

Django refuses a request of more than DATA_UPLOAD_MAX_NUMBER_FIELDS form fields; the study's page
lists its series and pictures a page at a time, so that no save comes near it, and a refused
request says which limit it broke.
"""

import re

import pytest
from django.conf import settings

from cases.models import Case
from tests.factories import client_for, make_case
from tests.pages import form_data, study_url
from viewer.models import Image, Series

PICTURES = 600
SERIES = 120
ROWS_PER_PAGE = 50  # cases.admin's: the study's page lists 50 series and 50 pictures


@pytest.fixture
def big_study(alice):
    """A draft study of 600 pictures and 120 (empty) DICOM series, as rows only: the study's
    page links to the renditions but never reads them."""
    study = make_case(alice, images=0, status=Case.Status.DRAFT).studies.get()
    pictures = Series.objects.create(study=study)
    Image.objects.bulk_create(
        Image(series=pictures, study=study, position=n, **_renditions(n)) for n in range(PICTURES)
    )
    Series.objects.bulk_create(
        Series(study=study, uid=f"2.25.{n}", modality="CT", position=n + 1) for n in range(SERIES)
    )
    return study


def _renditions(n):
    return {kind: f"images/{n}/{kind}.png" for kind in ("full", "display", "thumbnail")}


def form_fields_in(response):
    """The names of the fields a browser posts (not the templates of rows to add)."""
    field = r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"'
    names = re.findall(field, response.content.decode())
    return [name for name in names if "__prefix__" not in name]


def test_the_page_of_a_study_of_600_pictures_has_a_bounded_number_of_form_fields(alice, big_study):
    page = client_for(alice).get(study_url(big_study))
    assert page.status_code == 200
    assert len(form_fields_in(page)) < 0.6 * settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert len(form_data(page)) < 0.6 * settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert f'href="?page={PICTURES // ROWS_PER_PAGE}"' in page.content.decode()


def test_a_study_of_600_pictures_can_be_saved(alice, big_study):
    client = client_for(alice)
    data = form_data(client.get(study_url(big_study)))
    data["findings"] = "Periosteal reaction along the diaphysis."
    response = client.post(study_url(big_study), data)
    assert response.status_code == 302
    big_study.refresh_from_db()
    assert big_study.findings == "Periosteal reaction along the diaphysis."


def test_a_caption_on_a_later_page_of_pictures_can_be_edited(alice, big_study):
    client = client_for(alice)
    image = Image.objects.get(study=big_study, position=PICTURES - 7)  # on the last page
    url = f"{study_url(big_study)}?page={PICTURES // ROWS_PER_PAGE}"
    data = form_data(client.get(url))
    prefix = next(key[: -len("-id")] for key, value in data.items() if value == image.pk)
    data[f"{prefix}-caption"] = "Codman triangle"
    assert client.post(url, data).status_code == 302
    image.refresh_from_db()
    assert image.caption == "Codman triangle"
    assert Image.objects.filter(study=big_study).count() == PICTURES  # no other page's rows lost


def test_save_and_continue_editing_stays_on_the_page_it_saved(alice, big_study):
    client = client_for(alice)
    url = f"{study_url(big_study)}?page=3"
    response = client.post(url, {**form_data(client.get(url)), "_continue": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith("page=3")


def test_a_later_page_lists_its_share_of_the_series(alice, big_study):
    page = client_for(alice).get(f"{study_url(big_study)}?page=3")
    shown = {form.instance.pk for form in _formset(page, Series).forms}
    expected = Series.objects.filter(study=big_study)[2 * ROWS_PER_PAGE : 3 * ROWS_PER_PAGE]
    assert shown == {series.pk for series in expected}


def _formset(page, model):
    inlines = page.context["inline_admin_formsets"]
    return next(inline.formset for inline in inlines if inline.formset.model is model)


def test_too_many_form_fields_are_refused_with_a_message_naming_that_limit(alice, big_study):
    fields = {f"field-{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client_for(alice).post(study_url(big_study), fields)
    assert response.status_code == 400
    body = response.content.decode()
    assert "too many form fields" in body
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in body
    assert "MAX_FILES_PER_UPLOAD" not in body


@pytest.mark.parametrize("page", ["0", "x", "99999999999999999999"])
def test_a_page_number_out_of_range_shows_a_page_not_an_error(alice, big_study, page):
    assert client_for(alice).get(f"{study_url(big_study)}?page={page}").status_code == 200
