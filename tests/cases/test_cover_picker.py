"""The case admin's key-image field shows each choice with its thumbnail (viewer.widgets.
ImagePicker): only the case's images readers may see, in one query however many there are."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import dicom_factory
from tests.factories import add_dicom, add_pictures, client_for, make_case
from tests.pages import change_url, form_data, html_of

CHOICE = re.compile(
    r'<input type="radio" name="cover_image" value="(\d*)"[^>]*>\s*<img src="([^"]+)"'
)


def choices(response):
    """{image id: thumbnail URL} of the picker's choices."""
    return {int(pk): src for pk, src in CHOICE.findall(html_of(response))}


def test_each_choice_shows_its_images_thumbnail(alice):
    case = make_case(alice, images=3, status="draft")
    shown = choices(client_for(alice).get(change_url(case)))
    images = case.studies.get().images.all()
    assert shown == {image.pk: image.thumbnail_url() for image in images}


def test_images_of_a_series_awaiting_confirmation_are_not_offered(alice):
    case = make_case(alice, images=1, status="draft")
    flagged = add_dicom(case.studies.get(), [dicom_factory.ultrasound()])
    shown = choices(client_for(alice).get(change_url(case)))
    assert len(shown) == 1
    assert not set(shown) & set(flagged.images.values_list("pk", flat=True))


def test_the_chosen_cover_is_saved_from_the_picker(alice):
    case = make_case(alice, images=2, status="draft")
    client = client_for(alice)
    second = case.studies.get().images.order_by("position")[1]
    data = form_data(client.get(change_url(case)))
    data["cover_image"] = second.pk
    assert client.post(change_url(case), data).status_code == 302
    case.refresh_from_db()
    assert case.cover_image == second
    page = html_of(client.get(change_url(case)))
    assert re.search(rf'name="cover_image" value="{second.pk}"[^>]*checked', page)


def test_the_case_page_costs_the_same_queries_with_hundreds_of_images(
    alice, django_assert_num_queries
):
    case = make_case(alice, images=1, status="draft")
    client = client_for(alice)
    with CaptureQueriesContext(connection) as small:
        client.get(change_url(case))
    add_pictures(case.studies.get(), 120)
    with django_assert_num_queries(len(small)):
        response = client.get(change_url(case))
    assert len(choices(response)) == 121
