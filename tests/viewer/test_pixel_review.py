"""Before a series flagged for burned-in text is confirmed clean, its editor is shown one frame of
each of its layouts on the study's admin page, and the confirmation is refused unless those
frames were served to that editor since the series' last upload (viewer.models.PixelReview).
Every series, DICOM included, shows a thumbnail there."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dicom.archive import Member
from tests import dicom_factory
from tests.dicom_samples import as_member
from tests.factories import add_dicom, client_for, make_case
from tests.pages import (
    form_data,
    look_at_review_frames,
    post_confirmation,
    review_frames_in,
    streamed,
    study_url,
    text_of,
)
from viewer.models import Image, PixelReview, Series
from viewer.uploads import add_files

NOT_SEEN = "Look at the frames of series"


def cine(frames, size, **elements):
    """A multi-frame file flagged for burned-in text; every call's file joins the same series."""
    return dicom_factory.multiframe_ct(frames, size=size, BurnedInAnnotation="YES", **elements)


@pytest.fixture
def flagged(alice):
    """A draft of Alice's with a flagged series: 40 frames of 16 × 16, then 3 of 24 × 24."""
    case = make_case(alice, images=0, modality="CT", status="draft")
    return add_dicom(case.studies.get(), [cine(40, 16), cine(3, 24)])


def frame_sizes(series):
    return sorted((frame.width, frame.height) for frame in series.images.review_frames())


# --- which frames -------------------------------------------------------------------------------


def test_forty_frames_of_one_size_give_one_frame_to_read_the_middle_one(alice):
    case = make_case(alice, images=0, modality="CT")
    series = add_dicom(case.studies.get(), [cine(40, 16)])
    frames = list(series.images.review_frames())
    assert [(frame.position, frame.group_size) for frame in frames] == [(19, 40)]


def test_two_sizes_in_one_series_give_two_frames_to_read(flagged):
    assert flagged.images.count() == 43
    assert frame_sizes(flagged) == [(16, 16), (24, 24)]


def test_one_size_in_two_photometric_interpretations_gives_two_frames_to_read(alice):
    case = make_case(alice, images=0)
    uid = "1.2.826.0.1.3680043.8.498.77"
    members = [as_member("pydicom-data:SC_rgb.dcm", uid)]
    members.append(as_member("pydicom:SC_ybr_full_422_uncompressed.dcm", uid))
    add_files(case, members, study=case.studies.get())
    series = Series.objects.get(study__case=case, burned_in=True)
    frames = series.images.review_frames()
    assert sorted(frame.meta["photometric"] for frame in frames) == ["RGB", "YBR_FULL_422"]


def test_each_series_gets_its_own_frames_in_one_query(flagged, django_assert_num_queries):
    other = add_dicom(
        make_case(flagged.study.case.author, images=0).studies.get(), [dicom_factory.ultrasound()]
    )
    with django_assert_num_queries(1):
        frames = list(Image.objects.filter(series__in=[flagged, other]).review_frames())
    assert sorted(frame.series_id for frame in frames) == sorted([flagged.pk] * 2 + [other.pk])


# --- the study page -----------------------------------------------------------------------------


def test_the_study_page_shows_a_thumbnail_of_every_series_dicom_included(alice):
    case = make_case(alice, images=1, status="draft")
    names = [
        "pydicom:CT_small.dcm",
        "pydicom:MR_small.dcm",
        "pydicom-data:OBXXXX1A_rle_2frame.dcm",  # an ultrasound, flagged
        "pydicom:SC_rgb_rle_2frame.dcm",  # a secondary capture, flagged
    ]
    add_files(case, [as_member(name) for name in names], study=case.studies.get())
    study = case.studies.get()
    assert study.series.count() == 5  # the picture's, and one per file
    html = client_for(alice).get(study_url(study)).content.decode()
    for series in study.series.all():
        middle = series.images.representatives().get()
        assert middle.thumbnail_url() in html, series
    for series in study.series.filter(burned_in=True):
        for frame in series.images.review_frames():
            assert reverse("viewer:review_frame", args=[frame.pk]) in html
            assert frame.file_url("full") in html  # each frame links to its full size


def test_a_series_not_flagged_shows_no_frames_to_read(alice):
    case = make_case(alice, images=0, status="draft")
    add_dicom(case.studies.get(), dicom_factory.ct_series(3))
    assert review_frames_in(client_for(alice).get(study_url(case.studies.get()))) == []


def test_the_study_page_costs_the_same_queries_with_more_series_and_frames(
    alice, django_assert_num_queries
):
    case = make_case(alice, images=1, status="draft")
    study = case.studies.get()
    add_dicom(study, [cine(2, 16)])
    client = client_for(alice)
    with CaptureQueriesContext(connection) as small:
        assert client.get(study_url(study)).status_code == 200

    more = [cine(30, 16), cine(4, 24), *dicom_factory.ct_series(6)]  # a second layout, a CT
    add_files(
        case,
        [Member(f"{n}.dcm", lambda d=d: BytesIO(d), len(d)) for n, d in enumerate(more)],
        study=study,
    )
    add_files(case, [as_member("pydicom:SC_rgb_rle_2frame.dcm")], study=study)
    assert study.series.count() == 4
    with django_assert_num_queries(len(small)):
        response = client.get(study_url(study))
    assert len(review_frames_in(response)) == 3


# --- confirming ---------------------------------------------------------------------------------


def test_confirming_is_refused_until_the_frames_were_shown(flagged, alice):
    response = post_confirmation(client_for(alice), flagged, look=False)
    assert response.status_code == 200
    assert f"{NOT_SEEN} 1 before confirming" in text_of(response)
    flagged.refresh_from_db()
    assert flagged.burned_in_confirmed_at is None

    assert post_confirmation(client_for(alice), flagged).status_code == 302
    flagged.refresh_from_db()
    assert flagged.burned_in_confirmed_by == alice


def test_a_review_survives_a_page_reload(flagged, alice):
    client = client_for(alice)
    look_at_review_frames(client, client.get(study_url(flagged.study)))
    assert post_confirmation(client, flagged, look=False).status_code == 302


def test_images_arriving_after_the_review_make_it_count_no_more(flagged, alice):
    client = client_for(alice)
    look_at_review_frames(client, client.get(study_url(flagged.study)))
    add_dicom(
        flagged.study, [cine(5, 16)]
    )  # its one series  # same layout: the same frames to read, newer pixels

    response = post_confirmation(client, flagged, look=False)
    assert NOT_SEEN in text_of(response)
    flagged.refresh_from_db()
    assert flagged.burned_in_confirmed_at is None
    assert post_confirmation(client, flagged).status_code == 302


def test_another_editor_having_seen_the_frames_does_not_count_for_you(flagged, alice, editor):
    client = client_for(editor)
    look_at_review_frames(client, client.get(study_url(flagged.study)))
    response = post_confirmation(client_for(alice), flagged, look=False)
    assert NOT_SEEN in text_of(response)
    assert post_confirmation(client, flagged, look=False).status_code == 302  # the editor's own


def test_an_upload_in_the_same_post_leaves_the_series_unconfirmed(flagged, alice):
    client = client_for(alice)
    page = client.get(study_url(flagged.study))
    look_at_review_frames(client, page)
    data = form_data(page)
    index = next(k for k, v in data.items() if k.endswith("-id") and str(v) == str(flagged.pk))
    data[index.replace("-id", "-confirm_no_identifier")] = "on"
    data["pictures"] = [_upload("more.dcm", cine(2, 16))]
    response = client.post(study_url(flagged.study), data, follow=True)
    assert "was not confirmed: this save added images to it" in text_of(response)
    flagged.refresh_from_db()
    assert flagged.images.count() == 45 and flagged.burned_in_confirmed_at is None


def test_new_images_in_a_confirmed_series_need_a_new_confirmation(flagged, alice):
    assert post_confirmation(client_for(alice), flagged).status_code == 302
    add_dicom(flagged.study, [cine(1, 16)])
    flagged.refresh_from_db()
    assert flagged.burned_in and flagged.burned_in_confirmed_at is None


def _upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/dicom")


# --- the review frame's view --------------------------------------------------------------------


def frame_url(series):
    return reverse("viewer:review_frame", args=[series.images.review_frames().first().pk])


def test_the_frame_is_served_to_its_editor_uncached_and_recorded(flagged, alice):
    response = client_for(alice).get(frame_url(flagged))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert "no-store" in response["Cache-Control"]
    assert streamed(response)
    assert PixelReview.objects.filter(reviewer=alice).count() == 1


@pytest.mark.parametrize("who", ["anonymous", "bob", "resident", "attending"])
def test_nobody_else_gets_the_frame_or_a_review(flagged, request, who):
    client = Client() if who == "anonymous" else client_for(request.getfixturevalue(who))
    assert client.get(frame_url(flagged)).status_code == 404
    assert not PixelReview.objects.exists()


def test_a_contributor_gets_no_frame_of_another_contributors_published_case(alice, bob):
    case = make_case(alice, images=0)  # published: its cleared images are readers'
    series = add_dicom(case.studies.get(), [cine(2, 16)])
    assert client_for(bob).get(frame_url(series)).status_code == 404
    assert not PixelReview.objects.exists()
