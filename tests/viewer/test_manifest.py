"""The image viewer's server side: a series' manifest and each grey image's stored values, with
the case page's access rules, nothing hidden in the academic workflow, and a query count that
does not grow with the series."""

import gzip
import io
import json
import zlib
from pathlib import Path

import numpy as np
import pydicom
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pydicom.data import get_testdata_file

from cases.models import Case, Modality, Study
from dicom.frames import stored_values
from dicom.pixelstore import decode
from dicom.reading import ReadLimits, read_dataset
from tests.dicom_factory import ct_series, to_bytes
from tests.factories import MARKERS, add_dicom, client_for, make_case, marker_case
from tests.pages import leaked, streamed
from viewer import manifest
from viewer.models import Image, Series

SERIES_MARKER = "ZQXMARKER-series-description-301"
STUDY_MARKER = "ZQXMARKER-study-description-302"
CT_SMALL_SPACING = [0.661468, 0.661468]


def manifest_url(case, series, workflow="academic"):
    return reverse("viewer:manifest", args=[workflow, case.pk, series.pk])


def get_manifest(client, case, series, workflow="academic"):
    response = client.get(manifest_url(case, series, workflow))
    assert response.status_code == 200
    return json.loads(response.content)


def pixels_url(image):
    return reverse("viewer:pixels", args=[image.pk])


def ct_small_values():
    data = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    return stored_values(read_dataset(data, ReadLimits()))


def radiograph(spacing_elements, **elements):
    """A one-image DX series (CT_small's pixels) with the given spacing elements only."""
    ds = pydicom.dcmread(io.BytesIO(ct_series(1, **elements)[0]))
    ds.Modality = "DX"
    del ds.PixelSpacing
    for keyword, value in spacing_elements.items():
        setattr(ds, keyword, value)
    return to_bytes(ds)


def ct_of(case):
    return Series.objects.get(study__case=case, modality="CT")


def pictures_of(case):
    return Series.objects.get(study__case=case, uid="")


# --- the manifest's content ----------------------------------------------------------------


def test_a_ct_series_manifest_describes_the_series_for_windowing(ct_case):
    series = ct_of(ct_case)

    data = manifest.build(series, "standard")

    assert {key: value for key, value in data.items() if key != "images"} == {
        "version": 2,
        "id": series.pk,
        "label": "CT · Series 2 · 5 images · Axial soft tissue",
        "modality": "CT",
        "kind": "grey",
        "rows": 128,
        "columns": 128,
        "signed": True,
        "photometric": "MONOCHROME2",
        "encoding": "med-zigzag-planes",
        "windows": [],
        "presets": [{"name": name, "center": c, "width": w} for name, c, w in manifest.CT_PRESETS],
        "pixel_spacing": CT_SMALL_SPACING,
    }


def test_a_ct_series_manifest_lists_its_slices_in_display_order(ct_case):
    series = ct_of(ct_case)
    images = list(series.images.order_by("position", "id"))

    entries = manifest.build(series, "standard")["images"]

    assert [entry["id"] for entry in entries] == [image.pk for image in images]
    assert [entry["number"] for entry in entries] == [1, 2, 3, 4, 5]
    assert [entry["position"] for entry in entries] == [[0, 0, 5.0 * n] for n in range(5)]
    first = entries[0]
    assert first == {
        "id": images[0].pk,
        "number": 1,
        "pixels_url": f"/images/{images[0].pk}/pixels",
        "picture_url": images[0].file_url("display"),
        "full_url": images[0].file_url("full"),
        "width": 128,
        "height": 128,
        "rescale": [1.0, -1024.0],
        "windows": [],
        "orientation": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        "position": [0.0, 0.0, 0.0],
        "spacing": CT_SMALL_SPACING,
        "caption": "",
        "annotations": [],
    }


def test_the_ct_presets_are_the_usual_windows_in_the_order_keys_1_to_9_follow():
    assert [(name, center, width) for name, center, width in manifest.CT_PRESETS] == [
        ("Brain", 40, 80),
        ("Subdural", 75, 215),
        ("Stroke", 40, 40),
        ("Lung", -600, 1500),
        ("Mediastinum", 50, 350),
        ("Abdomen", 50, 400),
        ("Liver", 30, 150),
        ("Bone", 400, 1800),
    ]


def test_a_picture_series_is_colour_shown_from_its_renditions(ct_case):
    series = pictures_of(ct_case)

    data = manifest.build(series, "standard")

    assert data["kind"] == "colour"
    assert "encoding" not in data
    assert data["presets"] == []
    assert data["rows"] is data["columns"] is data["pixel_spacing"] is None
    assert data["label"] == "Images · Series 1 · 2 images"
    assert [entry["caption"] for entry in data["images"]] == ["Pictured first", "Pictured second"]
    for entry in data["images"]:
        assert "pixels_url" not in entry
        assert entry["picture_url"].endswith("/display/")
        assert entry["rescale"] == [1.0, 0.0]
        assert entry["orientation"] is entry["position"] is entry["spacing"] is None


def test_a_series_with_one_image_lacking_stored_values_is_shown_as_colour(ct_case):
    series = ct_of(ct_case)
    images = list(series.images.order_by("position", "id"))
    images[2].pixels = ""

    data = manifest.manifest(series, images, "standard", number=2)

    assert data["kind"] == "colour"
    assert data["presets"] == []
    assert not any("pixels_url" in entry for entry in data["images"])


def test_a_grey_series_other_than_ct_offers_its_file_windows_as_presets(alice):
    case = make_case(alice, images=0, modality="MR")
    series = add_dicom(
        case.studies.get(),
        ct_series(2, Modality="MR", WindowCenter=[600, 300], WindowWidth=[1200, 500]),
    )

    data = manifest.build(series, "standard")

    assert data["windows"] == [[600.0, 1200.0], [300.0, 500.0]]
    assert data["presets"] == [
        {"name": "Default", "center": 600.0, "width": 1200.0},
        {"name": "Default 2", "center": 300.0, "width": 500.0},
    ]
    assert data["images"][0]["windows"] == [[600.0, 1200.0], [300.0, 500.0]]


def test_a_radiograph_measured_only_at_the_detector_says_so(alice):
    case = make_case(alice, images=0, modality="DX")
    series = add_dicom(case.studies.get(), [radiograph({"ImagerPixelSpacing": [0.15, 0.15]})])

    data = manifest.build(series, "standard")

    assert data["pixel_spacing"] == [0.15, 0.15]
    assert data["spacing_note"] == manifest.DETECTOR_SPACING_NOTE
    assert data["presets"] == []  # a grey series without windows: the viewer offers Auto


def test_a_radiograph_with_calibrated_pixel_spacing_has_no_note(alice):
    case = make_case(alice, images=0, modality="DX")
    spacings = {"ImagerPixelSpacing": [0.15, 0.15], "PixelSpacing": [0.12, 0.12]}
    series = add_dicom(case.studies.get(), [radiograph(spacings)])

    data = manifest.build(series, "standard")

    assert data["pixel_spacing"] == [0.12, 0.12]
    assert "spacing_note" not in data


def test_a_series_without_spacing_has_neither_spacing_nor_note(alice):
    case = make_case(alice, images=0, modality="DX")
    series = add_dicom(case.studies.get(), [radiograph({})])

    data = manifest.build(series, "standard")

    assert data["pixel_spacing"] is None
    assert "spacing_note" not in data


def test_the_academic_label_is_the_modality_the_number_in_the_case_and_the_count(ct_case):
    pictures = manifest.build(pictures_of(ct_case), "academic")
    assert pictures["label"] == "Images · Series 1 · 2 images"
    assert manifest.build(ct_of(ct_case), "academic")["label"] == "CT · Series 2 · 5 images"


def test_the_standard_label_adds_the_description(ct_case):
    assert manifest.build(ct_of(ct_case), "standard")["label"] == (
        "CT · Series 2 · 5 images · Axial soft tissue"
    )


def test_series_are_numbered_across_the_studies_of_the_case(ct_case):
    later = Study.objects.create(
        case=ct_case, modality=Modality.objects.get(code="CT"), position=5
    )
    series = add_dicom(later, ct_series(2))

    assert manifest.build(series, "academic")["label"] == "CT · Series 3 · 2 images"


# --- nothing hidden leaks ------------------------------------------------------------------


@pytest.fixture
def secret_ct_case(alice):
    case = marker_case(alice, modality="CT")
    study = case.studies.get()
    study.description = STUDY_MARKER
    study.save()
    series = add_dicom(study, ct_series(3))
    series.description = SERIES_MARKER
    series.save()
    series.images.update(caption=MARKERS["caption"])
    pictures = pictures_of(case)
    pictures.description = SERIES_MARKER
    pictures.save()
    return case


def test_the_academic_manifest_holds_nothing_the_workflow_hides(secret_ct_case, resident):
    client = client_for(resident)
    for series in Series.objects.filter(study__case=secret_ct_case):
        response = client.get(manifest_url(secret_ct_case, series, "academic"))

        assert response.status_code == 200
        assert leaked(response) == []
        assert SERIES_MARKER.lower() not in response.content.decode().lower()
        assert STUDY_MARKER.lower() not in response.content.decode().lower()
        assert "caption" not in json.loads(response.content)["images"][0]


def test_the_standard_manifest_shows_captions_and_the_series_description(secret_ct_case, client):
    for series in Series.objects.filter(study__case=secret_ct_case):
        data = get_manifest(client, secret_ct_case, series, "standard")

        assert data["label"].endswith(f" · {SERIES_MARKER}")
        assert {entry["caption"] for entry in data["images"]} == {MARKERS["caption"]}


# --- the manifest over HTTP ----------------------------------------------------------------


def test_the_manifest_is_compact_json_cached_briefly(ct_case, client):
    series = ct_of(ct_case)

    response = client.get(manifest_url(ct_case, series))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, max-age=300"
    assert b", " not in response.content and b'": ' not in response.content
    assert json.loads(response.content) == manifest.build(series, "academic")


def test_the_manifest_is_gzipped_for_a_client_that_accepts_it(ct_case, client):
    series = ct_of(ct_case)

    response = client.get(manifest_url(ct_case, series), HTTP_ACCEPT_ENCODING="gzip, br")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert json.loads(gzip.decompress(response.content)) == manifest.build(series, "academic")


def test_the_manifest_takes_the_same_queries_for_3_or_40_slices(alice, client):
    small = make_case(alice, images=0, modality="CT")
    large = make_case(alice, images=0, modality="CT")
    add_dicom(small.studies.get(), ct_series(3))
    add_dicom(large.studies.get(), ct_series(40))

    counts = []
    for case in (small, large):
        url = manifest_url(case, ct_of(case))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))

    # The case, the series, its images, the case's series (for the label).
    assert counts == [4, 4]


@pytest.mark.parametrize("status", [Case.Status.DRAFT, Case.Status.SUBMITTED])
def test_a_draft_case_has_a_manifest_for_its_authors_preview_only(alice, bob, resident, status):
    case = make_case(alice, images=1, status=status)
    series = pictures_of(case)

    for workflow in ("standard", "academic"):
        assert client_for(alice).get(manifest_url(case, series, workflow)).status_code == 200
        for other in (bob, resident, None):
            assert client_for(other).get(manifest_url(case, series, workflow)).status_code == 404


def test_a_series_of_another_case_is_not_found_under_this_one(ct_case, alice, client):
    other = make_case(alice, images=1)

    response = client.get(manifest_url(ct_case, pictures_of(other)))

    assert response.status_code == 404


def test_an_unknown_series_or_case_is_not_found(ct_case, client):
    series = ct_of(ct_case)

    unknown_series = reverse("viewer:manifest", args=["academic", ct_case.pk, series.pk + 1000])
    unknown_case = reverse("viewer:manifest", args=["academic", ct_case.pk + 1000, series.pk])

    assert client.get(unknown_series).status_code == 404
    assert client.get(unknown_case).status_code == 404


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
def test_the_standard_manifest_is_only_for_the_standard_workflows_groups(
    ct_case, resident, attending
):
    series = ct_of(ct_case)

    assert client_for(resident).get(manifest_url(ct_case, series, "standard")).status_code == 403
    assert client_for(resident).get(manifest_url(ct_case, series, "academic")).status_code == 200
    assert client_for(attending).get(manifest_url(ct_case, series, "standard")).status_code == 200


def test_the_manifest_answers_get_only(ct_case, client):
    assert client.post(manifest_url(ct_case, ct_of(ct_case))).status_code == 405


# --- stored values over HTTP ---------------------------------------------------------------


def test_the_pixels_are_the_stored_gzip_blob_sent_for_the_browser_to_inflate(ct_case, client):
    image = ct_of(ct_case).images.order_by("position").first()

    response = client.get(pixels_url(image), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    body = streamed(response)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Encoding"] == "gzip"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    with image.pixels.open("rb") as stored:
        assert body == stored.read()  # sent as stored: never compressed twice


def test_the_pixels_inflate_and_decode_to_the_exact_stored_values(ct_case, client):
    series = ct_of(ct_case)
    expected = ct_small_values()

    for image in series.images.all():
        body = streamed(client.get(pixels_url(image)))

        assert len(zlib.decompress(body, 31)) == 2 * series.rows * series.columns
        values = decode(body, series.rows, series.columns, series.signed)
        assert values.dtype == np.int16
        assert np.array_equal(values, expected)


def test_a_picture_has_no_stored_values(ct_case, client):
    picture = pictures_of(ct_case).images.first()

    assert client.get(pixels_url(picture)).status_code == 404


@pytest.mark.parametrize("status", [Case.Status.DRAFT, Case.Status.SUBMITTED])
def test_the_pixels_of_a_draft_are_only_for_who_may_edit_it(alice, bob, client, status):
    case = make_case(alice, images=0, modality="CT", status=status)
    image = add_dicom(case.studies.get(), ct_series(1)).images.get()

    assert client.get(pixels_url(image)).status_code == 404
    assert client_for(bob).get(pixels_url(image)).status_code == 404
    response = client_for(alice).get(pixels_url(image))
    assert response.status_code == 200
    streamed(response)


def test_an_unknown_image_has_no_pixels(db, client):
    assert client.get(reverse("viewer:pixels", args=[987654])).status_code == 404


def test_every_grey_image_of_the_manifest_points_to_its_pixels(ct_case, client):
    data = get_manifest(client, ct_case, ct_of(ct_case))

    for entry in data["images"]:
        response = client.get(entry["pixels_url"])
        assert response.status_code == 200
        streamed(response)
        assert Image.objects.get(pk=entry["id"]).pixels
