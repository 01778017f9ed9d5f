"""Uploading pictures in the admin: several at once, checked by content before anything is
stored, and re-encoded from their pixels so no metadata or smuggled bytes survive."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo

from cases.models import Case
from tests.factories import add_pictures, client_for, jpeg_bytes, make_case, png_bytes
from tests.pages import (
    change_url,
    failed_upload,
    form_data,
    post_case_with_pictures,
    post_study_with_pictures,
    streamed,
    study_url,
)
from viewer.forms import UploadField
from viewer.ingest import IngestError
from viewer.models import Image
from viewer.uploads import Upload

EXIF_MARKER = "ZQXEXIF-patient-name"
COMMENT_MARKER = b"ZQXCOMMENT-accession"
TRAILER_MARKER = b"ZQXTRAILER-appended-after-the-image"


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def smuggling_jpeg(orientation=1):
    """A JPEG with EXIF (a description, an orientation), a comment, and bytes after its end."""
    exif = PILImage.Exif()
    exif[0x010E] = EXIF_MARKER  # ImageDescription
    exif[0x0112] = orientation
    out = BytesIO()
    PILImage.new("RGB", (24, 16), (200, 40, 40)).save(
        out, "JPEG", exif=exif.tobytes(), comment=COMMENT_MARKER
    )
    return out.getvalue() + TRAILER_MARKER


def stored_bytes(image):
    found = {}
    for kind in ("full", "display", "thumbnail"):
        with getattr(image, kind).open("rb") as f:
            found[kind] = f.read()
    return found


@pytest.fixture
def case(alice):
    return make_case(alice, status=Case.Status.DRAFT, images=1)


# --- through the case form --------------------------------------------------------------------


def test_several_pictures_uploaded_at_once_become_images(case, alice):
    files = [upload("first.png", png_bytes(shade=10)), upload("second.png", png_bytes(shade=90))]
    response = post_case_with_pictures(client_for(alice), case, files)
    assert response.status_code == 302, response.context["errors"]
    images = list(case.studies.get().images.order_by("position"))
    assert len(images) == 3
    assert [image.position for image in images] == [0, 1, 2]
    for image in images[1:]:
        assert (image.width, image.height) == (24, 16)
        files = stored_bytes(image)
        assert files["full"].startswith(b"\x89PNG")  # a PNG stays lossless
        assert files["display"][:2] == files["thumbnail"][:2] == b"\xff\xd8"


def test_a_file_that_is_not_an_image_is_named_and_nothing_is_stored(case, alice):
    files = [
        upload("good.png", png_bytes()),
        upload("x.png", b"<html><script>alert(1)</script></html>"),
    ]
    client = client_for(alice)
    job, page = failed_upload(post_case_with_pictures(client, case, files), client)
    assert job.errors == [
        {"file": "x.png", "reason": "not a JPEG, PNG or DICOM file (it looks like HTML)"}
    ]
    assert "x.png" in page and "&lt;script&gt;" not in page
    assert Image.objects.filter(study__case=case).count() == 1


def test_another_contributor_cannot_upload_to_a_case(case, alice, bob):
    # A complete, valid form, as Alice's own page would post it, sent by Bob.
    case_data = form_data(client_for(alice).get(change_url(case)))
    study_data = form_data(client_for(alice).get(study_url(case.studies.get())))
    client = client_for(bob)
    case_data["studies-0-pictures"] = [upload("a.png", png_bytes())]
    study_data["pictures"] = [upload("b.png", png_bytes())]
    client.post(change_url(case), case_data)
    client.post(study_url(case.studies.get()), study_data)
    assert Image.objects.filter(study__case=case).count() == 1


# --- through the study page -------------------------------------------------------------------


def test_the_study_page_appends_pictures_after_the_existing_ones(case, alice):
    study = case.studies.get()
    response = post_study_with_pictures(
        client_for(alice), study, [upload("a.png", png_bytes()), upload("b.png", png_bytes())]
    )
    assert response.status_code == 302, response.context["errors"]
    assert list(study.images.values_list("position", flat=True)) == [0, 1, 2]


def upload_to_study(user, study, *files):
    response = post_study_with_pictures(client_for(user), study, list(files))
    assert response.status_code == 302, response.context["errors"]
    return study.images.order_by("-position").first()


def test_stored_renditions_keep_no_exif_or_appended_bytes(case, alice):
    image = upload_to_study(
        alice, case.studies.get(), upload("photo.jpg", smuggling_jpeg(), "image/jpeg")
    )
    for kind, data in stored_bytes(image).items():
        assert EXIF_MARKER.encode() not in data, kind
        assert TRAILER_MARKER not in data, kind
        assert b"Exif\x00\x00" not in data, kind
        assert not PILImage.open(BytesIO(data)).getexif(), kind


def test_stored_renditions_keep_no_jpeg_comment(case, alice):
    image = upload_to_study(
        alice, case.studies.get(), upload("photo.jpg", smuggling_jpeg(), "image/jpeg")
    )
    for kind, data in stored_bytes(image).items():
        assert COMMENT_MARKER not in data, kind


def test_stored_renditions_keep_no_png_text_or_colour_profile(case, alice):
    text = PngInfo()
    text.add_text("Comment", "ZQXPNGTEXT-patient")
    out = BytesIO()
    PILImage.new("RGB", (24, 16), (10, 120, 10)).save(
        out, "PNG", pnginfo=text, icc_profile=b"ZQXICC-profile-with-a-name"
    )
    image = upload_to_study(alice, case.studies.get(), upload("photo.png", out.getvalue()))
    for kind, data in stored_bytes(image).items():
        assert b"ZQXPNGTEXT" not in data, kind
        assert b"iCCP" not in data, kind


def test_the_served_image_keeps_no_metadata_either(alice, editor):
    case = make_case(alice, images=0)
    study = case.studies.get()
    post_study_with_pictures(  # by an editor, whose change is live at once (docs/review.md)
        client_for(editor), study, [upload("photo.jpg", smuggling_jpeg(), "image/jpeg")]
    )
    image = study.images.get()
    for kind in ("thumbnail", "display", "full"):
        response = client_for(None).get(image.file_url(kind))
        served = streamed(response)
        assert TRAILER_MARKER not in served
        assert EXIF_MARKER.encode() not in served


def test_the_camera_rotation_is_applied_before_exif_is_dropped(case, alice):
    study = case.studies.get()
    post_study_with_pictures(
        client_for(alice), study, [upload("r.jpg", smuggling_jpeg(orientation=6), "image/jpeg")]
    )
    image = study.images.order_by("-position").first()
    assert (image.width, image.height) == (16, 24)


def test_a_file_name_never_reaches_the_stored_path(case, alice):
    study = case.studies.get()
    post_study_with_pictures(
        client_for(alice), study, [upload("Jane-Doe-osteosarcoma.png", png_bytes())]
    )
    image = study.images.order_by("-position").first()
    for name in (image.full.name, image.display.name, image.thumbnail.name):
        assert "Jane" not in name
        assert "osteosarcoma" not in name


# --- the field and the model helper -----------------------------------------------------------


def clean(*files):
    """Stage the files as an upload does: (source name, full rendition extension, full bytes)."""
    files = UploadField().clean(list(files))
    staging = Upload(Case()).stage(files)
    return [
        (staged.source, staged.names["full"].rsplit(".", 1)[-1], read(staged.names["full"]))
        for staged in staging.pictures
    ]


def read(name):
    with default_storage.open(name, "rb") as f:
        return f.read()


def error_code(*files):
    with pytest.raises((ValidationError, IngestError)) as caught:
        clean(*files)
    error = caught.value
    return error.code if hasattr(error, "code") else error.error_list[0].code


def test_the_field_accepts_jpeg_and_png_and_renders_them():
    cleaned = clean(
        upload("a.png", png_bytes()), upload("b.jpg", jpeg_bytes(), "image/jpeg")
    )
    assert [name for name, _, _ in cleaned] == ["a.png", "b.jpg"]
    assert [ext for _, ext, _ in cleaned] == ["png", "jpg"]


def test_the_field_accepts_nothing_at_all():
    assert UploadField().clean([]) == []


def test_the_field_refuses_a_gif():
    out = BytesIO()
    PILImage.new("P", (4, 4)).save(out, "GIF")
    assert error_code(upload("a.gif", out.getvalue(), "image/gif")) == "not_dicom"


def noisy_jpeg():
    out = BytesIO()
    PILImage.effect_noise((128, 128), 64).save(out, "JPEG", quality=95)
    return out.getvalue()


def test_the_field_refuses_an_image_cut_short_in_its_pixels():
    data = noisy_jpeg()
    assert error_code(upload("cut.jpg", data[: len(data) * 2 // 3], "image/jpeg")) == "damaged"


def test_an_image_cut_short_is_refused_even_when_pillow_is_told_to_load_truncated_images(
    monkeypatch,
):
    """WeasyPrint switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it renders."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = noisy_jpeg()
    assert error_code(upload("cut.jpg", data[: len(data) * 2 // 3], "image/jpeg")) == "damaged"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was


def test_the_field_refuses_an_image_cut_short_in_its_header():
    data = noisy_jpeg()
    assert error_code(upload("cut.jpg", data[:200], "image/jpeg")) == "damaged"


@override_settings(MAX_IMAGE_PIXELS=100)
def test_the_field_refuses_too_many_pixels():
    assert error_code(upload("big.png", png_bytes(size=(20, 20)))) == "too_many_pixels"


@override_settings(MAX_UPLOAD_MB=0)
def test_the_field_refuses_a_file_too_large():
    assert error_code(upload("big.png", png_bytes())) == "file_too_large"


@override_settings(MAX_FILES_PER_UPLOAD=1)
def test_the_field_refuses_too_many_files():
    files = [upload("a.png", png_bytes()), upload("b.png", png_bytes())]
    assert error_code(*files) == "too_many_files"


def test_add_pictures_appends_to_the_studys_picture_series(case):
    study = case.studies.get()
    added = add_pictures(study, 2)
    assert [image.position for image in added] == [1, 2]
    assert {image.series_id for image in study.images.all()} == {added[0].series_id}


def test_the_first_picture_becomes_the_cover_image(alice):
    case = make_case(alice, images=0)
    assert case.cover_image is None
    first, _ = add_pictures(case.studies.get(), 2)
    case.refresh_from_db()
    assert case.cover_image == first


def test_a_transparent_palette_png_keeps_its_transparency():
    out = BytesIO()
    PILImage.new("P", (8, 8), 0).save(out, "PNG", transparency=0)
    [(_, _, full)] = clean(upload("clear.png", out.getvalue()))
    assert PILImage.open(BytesIO(full)).mode == "RGBA"
