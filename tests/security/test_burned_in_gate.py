"""A series flagged for burned-in text (an ultrasound, BurnedInAnnotation YES) is kept from
readers until someone confirms its pixels clean, even when it is added to a case already
published: no tile, file, stored values, manifest, zip member, handout image or cover of it
reaches anyone but the staff who may edit the case, and confirming it in the admin shows it
everywhere at once (Image.objects.for_readers())."""

import importlib
import io
import zipfile

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cases.models import Case
from tests import dicom_factory
from tests.factories import add_dicom, client_for, make_case
from tests.pages import html_of, post_confirmation, streamed

WORKFLOWS = ["standard", "academic"]


@pytest.fixture
def published(alice):
    """A published case of one picture, read once in each workflow (so its pages are cached),
    then given an ultrasound series, which the upload flags for burned-in text."""
    case = make_case(alice, images=1)
    for workflow in WORKFLOWS:
        assert Client().get(case.get_absolute_url(workflow)).status_code == 200
    series = add_dicom(case.studies.get(), [dicom_factory.ultrasound()])
    assert series.burned_in and series.burned_in_confirmed_at is None
    case.refresh_from_db()
    assert case.is_published
    return case, series


def readers(resident):
    return {"anonymous": Client(), "resident": client_for(resident)}


def file_urls(series):
    urls = []
    for image in series.images.all():
        urls += [image.file_url(kind) for kind in ("thumbnail", "display", "full")]
        urls.append(reverse("viewer:pixels", args=[image.pk]))
    return urls


def series_urls(case, series):
    return [
        reverse(name, args=[workflow, case.pk, series.pk])
        for name in ("viewer:manifest", "viewer:series_zip")
        for workflow in WORKFLOWS
    ]


def zip_names(client, case, workflow):
    response = client.get(reverse("viewer:case_zip", args=[workflow, case.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(streamed(response))) as archive:
        return archive.namelist()


def handout_images(client, case, workflow):
    response = client.get(reverse("cases:handout", args=[workflow, case.pk]))
    assert response.status_code == 200
    return sum(len(page.images) for page in PdfReader(io.BytesIO(streamed(response))).pages)


def confirm_in_the_admin(user, series):
    assert post_confirmation(client_for(user), series).status_code == 302
    series.refresh_from_db()
    assert series.burned_in_confirmed_by == user


def mentions(html, case, series):
    """The URLs of the series (its files, manifests, zips) that a page names."""
    return [url for url in file_urls(series) + series_urls(case, series) if url in html]


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_the_case_page_shows_no_tile_of_a_series_awaiting_confirmation(
    published, resident, workflow
):
    case, series = published
    for client in readers(resident).values():
        html = html_of(client.get(case.get_absolute_url(workflow)))
        assert mentions(html, case, series) == []
        assert case.studies.get().images.exclude(series=series).get().thumbnail_url() in html


def test_its_files_stored_values_manifests_and_zips_are_found_only_by_its_editors(
    published, resident, alice
):
    case, series = published
    for who, client in readers(resident).items():
        for url in file_urls(series) + series_urls(case, series):
            assert client.get(url).status_code == 404, (who, url)
    response = client_for(alice).get(series.images.get().file_url("thumbnail"))  # the admin's
    assert response.status_code == 200
    streamed(response)


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_the_case_zip_holds_none_of_its_files(published, workflow):
    case, _ = published
    names = zip_names(Client(), case, workflow)
    assert not [name for name in names if "US-series" in name or name.endswith(".dcm")]
    assert [name for name in names if name.endswith(".png")]  # the picture


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_the_handout_prints_none_of_its_images(published, workflow):
    case, _ = published
    assert handout_images(Client(), case, workflow) == 1  # the picture alone


def test_it_is_never_the_cover_and_cards_do_not_show_it(alice, editor):
    case = make_case(alice, images=0)
    series = add_dicom(case.studies.get(), [dicom_factory.ultrasound()])
    case.refresh_from_db()
    assert case.cover_image is None
    for workflow in WORKFLOWS:
        for query in ({}, {"q": "outstretched"}):  # browsing, and a search (its history)
            html = html_of(Client().get(reverse("cases:browse", args=[workflow]), query))
            assert case.get_absolute_url(workflow) in html
            assert mentions(html, case, series) == []
    homepage = html_of(Client().get(reverse("cases:home")))  # its card is this case's
    assert case.get_absolute_url("academic") in homepage
    assert mentions(homepage, case, series) == []

    confirm_in_the_admin(editor, series)  # an editor's change is live at once (docs/review.md)
    case.refresh_from_db()
    assert case.cover_image.series == series
    html = html_of(Client().get(reverse("cases:browse", args=["academic"])))
    assert series.images.get().thumbnail_url() in html


def test_a_cover_chosen_before_the_series_was_flagged_gives_way(alice):
    case = make_case(alice, images=0, modality="CT")
    study = case.studies.get()
    series_uid, study_uid = "1.2.826.0.1.3680043.8.498.1", "1.2.826.0.1.3680043.8.498.2"
    add_dicom(study, dicom_factory.ct_series(1, series_uid=series_uid, study_uid=study_uid))
    case.refresh_from_db()
    assert case.cover_image is not None
    # More slices of the same series, one of them marked as showing burned-in text.
    flagged = dicom_factory.ct_series(
        1, series_uid=series_uid, study_uid=study_uid, BurnedInAnnotation="YES"
    )
    series = add_dicom(study, flagged)
    assert series.burned_in
    case.refresh_from_db()
    assert case.cover_image is None


def test_a_cover_the_old_code_left_on_it_gives_way_when_migrating(published):
    case, series = published
    picture = case.studies.get().images.exclude(series=series).get()
    Case.objects.filter(pk=case.pk).update(cover_image=series.images.get())
    migration = importlib.import_module(
        "cases.migrations.0012_covers_only_of_images_readers_may_see"
    )
    migration.covers_readers_may_see(apps, None)
    case.refresh_from_db()
    assert case.cover_image == picture


def test_confirming_it_in_the_admin_shows_it_on_every_channel_at_once(published, editor, resident):
    case, series = published
    printed_before = handout_images(Client(), case, "standard")
    confirm_in_the_admin(editor, series)  # an editor's change is live at once (docs/review.md)
    manifest = reverse("viewer:manifest", args=["academic", case.pk, series.pk])
    for client in readers(resident).values():
        assert manifest in html_of(client.get(case.get_absolute_url("academic")))
        for url in file_urls(series)[:3] + series_urls(case, series):
            response = client.get(url)
            assert response.status_code == 200, url
            if response.streaming:
                streamed(response)
    html = html_of(Client().get(case.get_absolute_url("standard")))
    assert series.images.get().thumbnail_url() in html
    assert [name for name in zip_names(Client(), case, "academic") if name.endswith(".dcm")]
    assert handout_images(Client(), case, "standard") > printed_before


def test_a_contributors_confirmation_on_a_published_case_waits_for_an_editor(published, alice):
    case, series = published
    confirm_in_the_admin(alice, series)
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    for url in [case.get_absolute_url("academic"), *file_urls(series)[:3]]:
        response = Client().get(url)
        assert response.status_code == 404, url
