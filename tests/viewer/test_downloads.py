"""Zip downloads of a case's images: folders ImageJ/Fiji and DICOM viewers open, the case page's
access rules, nothing hidden in the academic workflow, and a stream that starts at once and keeps
memory flat however many slices."""

import io
import tracemalloc
import uuid
import zipfile

import pydicom
import pytest
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.test import override_settings
from django.urls import reverse
from pydicom.data import get_testdata_file

from cases.models import Case
from tests.dicom_factory import ct_series, to_bytes
from tests.factories import CERTAINTY_LABEL, MARKERS, add_dicom, client_for, make_case, marker_case
from tests.pages import streamed
from viewer import downloads
from viewer.models import Image, Instance, Series

STUDY_MARKER = "ZQXMARKER-study-description-201"
SERIES_MARKER = "ZQXMARKER-series-description-202"
DICOM_DESCRIPTION_MARKER = "ZQXMARKER-dicom-description-203"


def download(client, case, workflow="academic", series=None):
    if series is None:
        return client.get(reverse("viewer:case_zip", args=[workflow, case.pk]))
    return client.get(reverse("viewer:series_zip", args=[workflow, case.pk, series.pk]))


def unzipped(response):
    assert response.status_code == 200
    data = streamed(response)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return data, {name: archive.read(name) for name in archive.namelist()}


# --- what goes in ------------------------------------------------------------------------------


def test_the_case_zip_has_a_folder_per_study_and_series_with_dicom_and_png(ct_case, client):
    response = download(client, ct_case)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="case-{ct_case.pk}-images.zip"'
    _, files = unzipped(response)
    root = f"case-{ct_case.pk}"
    pictures = f"{root}/01-CT-study/01-pictures-2-images"
    dicom = f"{root}/01-CT-study/02-CT-series-5-images"
    assert sorted(files) == sorted(
        [f"{root}/README.txt", f"{pictures}/IM0001.png", f"{pictures}/IM0002.png"]
        + [f"{dicom}/IM000{n}.dcm" for n in range(1, 6)]
        + [f"{dicom}/png/IM000{n}.png" for n in range(1, 6)]
    )


def test_the_members_are_the_stored_files(ct_case, client):
    _, files = unzipped(download(client, ct_case))
    series = Series.objects.get(study__case=ct_case, uid__gt="")
    images = list(series.images.order_by("position"))
    folder = f"case-{ct_case.pk}/01-CT-study/02-CT-series-5-images"
    for number, image in enumerate(images, 1):
        with default_storage.open(image.instance.file.name, "rb") as f:
            assert files[f"{folder}/IM000{number}.dcm"] == f.read()
        with default_storage.open(image.full.name, "rb") as f:
            assert files[f"{folder}/png/IM000{number}.png"] == f.read()


def test_imagej_style_reading_of_the_series_folder_follows_the_slices(ct_case, client):
    """Image Sequence reads a folder's files in name order: that must be slice order."""
    _, files = unzipped(download(client, ct_case))
    names = sorted(name for name in files if name.endswith(".dcm"))
    datasets = [pydicom.dcmread(io.BytesIO(files[name])) for name in names]
    assert all(ds.pixel_array.shape == (128, 128) for ds in datasets)
    assert [float(ds.ImagePositionPatient[2]) for ds in datasets] == [0, 5, 10, 15, 20]
    assert not any("Doe" in str(ds.get("PatientName", "")) for ds in datasets)


def test_a_multi_frame_file_is_in_the_zip_once_with_a_png_per_frame(alice, client):
    case = make_case(alice, images=0, modality="MR")
    ds = pydicom.dcmread(get_testdata_file("emri_small.dcm"))
    add_dicom(case.studies.get(), [to_bytes(ds)])
    _, files = unzipped(download(client, case))
    folder = f"case-{case.pk}/01-MR-study/01-MR-series-10-images"
    assert [name for name in files if name.endswith(".dcm")] == [f"{folder}/IM0001.dcm"]
    assert sorted(name for name in files if name.endswith(".png")) == [
        f"{folder}/png/IM{n:04d}.png" for n in range(1, 11)
    ]


def test_a_series_zip_holds_that_series_under_the_same_path(ct_case, client):
    series = Series.objects.get(study__case=ct_case, uid__gt="")
    response = download(client, ct_case, series=series)
    assert response["Content-Disposition"] == (
        f'attachment; filename="case-{ct_case.pk}-series-{series.pk}-images.zip"'
    )
    _, files = unzipped(response)
    folder = f"case-{ct_case.pk}/01-CT-study/02-CT-series-5-images"
    assert f"case-{ct_case.pk}/README.txt" in files
    assert {name.rsplit("/", 2)[0] for name in files if "/png/" in name} == {folder}
    assert len([name for name in files if name.startswith(folder)]) == 10


def test_the_readme_says_how_to_open_the_folders(ct_case, client):
    _, files = unzipped(download(client, ct_case))
    readme = files[f"case-{ct_case.pk}/README.txt"].decode()
    for words in ("de-identified", "File > Import > Image Sequence", "File > Import > DICOM",
                  "png/", "Horos", "Weasis"):
        assert words in readme


def test_the_standard_readme_lists_descriptions_and_captions(ct_case, client):
    _, files = unzipped(download(client, ct_case, "standard"))
    readme = files[f"case-{ct_case.pk}/README.txt"].decode()
    assert "01-pictures-2-images/IM0001.png" not in readme  # listed relative to their folder
    assert "    IM0001.png: Pictured first" in readme
    assert "    IM0002.png: Pictured second" in readme
    assert "  01-CT-study/01-pictures-2-images/: CT / Two views\n" in readme
    assert "  01-CT-study/02-CT-series-5-images/: CT / Two views / Axial soft tissue\n" in readme


# --- the academic rule ---------------------------------------------------------------------------


@pytest.fixture
def secret_case(alice):
    case = marker_case(alice, modality="CT")
    study = case.studies.get()
    study.description = STUDY_MARKER
    study.save()
    series = add_dicom(study, ct_series(3, SeriesDescription=DICOM_DESCRIPTION_MARKER,
                                        StudyDescription=DICOM_DESCRIPTION_MARKER))
    series.description = SERIES_MARKER
    series.save()
    series.images.update(caption=MARKERS["caption"])
    return case


def markers_in(data):
    text = data.decode("latin-1").lower()
    markers = {**MARKERS, "study": STUDY_MARKER, "series": SERIES_MARKER,
               "dicom": DICOM_DESCRIPTION_MARKER, "certainty": CERTAINTY_LABEL}
    return [name for name, marker in markers.items() if marker.lower() in text]


def everything_in(response, data, files):
    """The zip's bytes, each member's bytes (deflated ones are not searchable in the zip) and the
    response's headers."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items()).encode()
    return b"\n".join([data, headers, *files.values()])


def test_the_academic_zip_carries_nothing_hidden(secret_case, client):
    series = Series.objects.get(study__case=secret_case, uid__gt="")
    for response in (download(client, secret_case),
                     download(client, secret_case, series=series)):
        data, files = unzipped(response)
        assert markers_in(everything_in(response, data, files)) == []


def test_the_standard_zip_shows_what_academic_hides_so_the_leak_test_can_fail(secret_case, client):
    response = download(client, secret_case, "standard")
    data, files = unzipped(response)
    assert {"caption", "study", "series"} <= set(markers_in(everything_in(response, data, files)))


# --- who may download --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Case.Status.DRAFT, Case.Status.SUBMITTED])
def test_a_draft_is_not_found_but_by_its_editors_preview(alice, bob, status):
    case = make_case(alice, status=status)
    series = case.studies.get().series.get()
    for client in (client_for(None), client_for(bob)):
        assert download(client, case).status_code == 404
        assert download(client, case, series=series).status_code == 404
    assert download(client_for(alice), case).status_code == 200


def test_a_series_of_another_case_is_not_found(ct_case, alice, client):
    other = make_case(alice)
    series = other.studies.get().series.get()
    assert download(client, ct_case, series=series).status_code == 404


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
def test_the_standard_zip_is_limited_to_the_standard_groups(ct_case, resident, attending):
    series = ct_case.studies.get().series.first()
    for workflow_series in (None, series):
        response = download(client_for(resident), ct_case, "standard", workflow_series)
        assert response.status_code == 403
        for user, workflow in ((resident, "academic"), (attending, "standard")):
            response = download(client_for(user), ct_case, workflow, workflow_series)
            assert response.status_code == 200
            streamed(response)


def test_an_unknown_workflow_is_not_found(ct_case, client):
    assert client.get(f"/teaching/cases/{ct_case.pk}/images.zip").status_code == 404


# --- streaming ---------------------------------------------------------------------------------


def test_the_readme_is_written_first_and_the_zip_uses_data_descriptors(ct_case):
    plan = downloads.plan(ct_case, "academic")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(downloads.stream(plan, chunk=1024))))
    infos = archive.infolist()
    assert infos[0].filename == f"case-{ct_case.pk}/README.txt"
    assert all(info.flag_bits & 0x08 for info in infos)  # sizes after the data: nothing seeks
    dicom = [info for info in infos if info.filename.endswith(".dcm")]
    assert {info.compress_type for info in dicom} == {zipfile.ZIP_DEFLATED}  # native DICOM
    assert {info.compress_type for info in infos if info.filename.endswith(".png")} == {
        zipfile.ZIP_STORED
    }


@pytest.fixture
def thousand_slices(alice):
    """A 1,000-slice series, cheaply: one real staged slice, then 999 rows sharing its files."""
    case = make_case(alice, images=0, modality="CT")
    series = add_dicom(case.studies.get(), ct_series(1))
    image = series.images.get()
    first = image.instance
    instances = Instance.objects.bulk_create(
        [Instance(series=series, file=first.file.name, sop_uid=f"2.25.{n}",
                  sop_class=first.sop_class, transfer_syntax=first.transfer_syntax,
                  fingerprint=uuid.uuid4().hex) for n in range(1, 1000)]
    )
    Image.objects.bulk_create(
        [Image(series=series, study_id=series.study_id, position=n, full=image.full.name,
               display=image.display.name, thumbnail=image.thumbnail.name, instance=instance,
               width=image.width, height=image.height) for n, instance in enumerate(instances, 1)],
        batch_size=500,
    )
    return case


def opened_files(monkeypatch):
    """The names storage opens from now on, in order."""
    names, storage_class = [], default_storage.__class__  # the class behind the lazy object
    original = storage_class.open

    def counting_open(self, name, *args, **kwargs):
        names.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(storage_class, "open", counting_open)
    return names


def test_a_thousand_slices_stream_at_once_in_little_memory(thousand_slices, client, monkeypatch):
    # Warm up (URLconf, middleware, imports) so that only the download is traced.
    assert client.get(reverse("viewer:case_zip", args=["academic", 999999])).status_code == 404
    opened = opened_files(monkeypatch)
    tracemalloc.start()
    try:
        response = download(client, thousand_slices)
        assert isinstance(response, StreamingHttpResponse)
        chunks = iter(response.streaming_content)
        first = next(chunks)
        opened_before_first = len(opened)
        size, count = len(first), 1
        for chunk in chunks:
            size, count = size + len(chunk), count + 1
            assert len(chunk) < 2 * downloads.CHUNK
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"\n1,000 slices: {size / 1e6:.1f} MB in {count} chunks, the first after "
          f"{opened_before_first} of {len(opened)} files opened, peak {peak / 1e6:.1f} MB")
    image = Image.objects.filter(study__case=thousand_slices).first()
    assert size > 1000 * image.full.size  # every slice's PNG (stored) was read, and the DICOM
    assert peak < 20_000_000
    # The first piece leaves before most of the files are read: the work, not the wall clock,
    # which moves with the machine's load.
    assert opened_before_first < len(opened) / 5
