"""DICOM through the admin and the import command: de-identified on the way in, grouped into
series in slice order, all or nothing, re-imports recognised, burned-in text gating publishing."""

import os
from pathlib import Path

import pydicom
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Case
from tests import dicom_factory as make
from tests.factories import client_for, make_case
from tests.pages import (
    change_url,
    failed_upload,
    form_data,
    post_case_with_pictures,
    post_confirmation,
    post_study_with_pictures,
)
from viewer.models import Image, Instance, Series


def dcm(name, data):
    return SimpleUploadedFile(name, data, content_type="application/dicom")


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def case(alice):
    return make_case(alice, status=Case.Status.DRAFT, images=0)


# --- the admin --------------------------------------------------------------------------------


def test_dicom_files_uploaded_together_become_one_series_in_slice_order(case, alice):
    files = [dcm(f"IM{n}", data) for n, data in enumerate(make.ct_series(4))]
    response = post_case_with_pictures(client_for(alice), case, files)
    assert response.status_code == 302, response.content[:2000]
    series = Series.objects.get(study__case=case, modality="CT")
    images = list(series.images.order_by("position"))
    assert len(images) == 4
    assert [image.meta["position"][2] for image in images] == [0.0, 5.0, 10.0, 15.0]
    assert series.instances.count() == 4
    assert series.rows == 128 and series.columns == 128


def test_slices_added_to_a_series_later_are_numbered_among_its_slices(case):
    from viewer.uploads import add_files

    slices = list(reversed(make.ct_series(5)))  # z = 0, 5, 10, 15, 20
    add_files(case, [dcm(f"IM{n}", slices[n]) for n in (4, 0, 2)])
    add_files(case, [dcm(f"IM{n}", slices[n]) for n in (3, 1)])

    series = Series.objects.get(study__case=case, modality="CT")
    images = list(series.images.order_by("position"))
    assert [image.position for image in images] == [0, 1, 2, 3, 4]
    assert [image.meta["position"][2] for image in images] == [0.0, 5.0, 10.0, 15.0, 20.0]


def test_stored_dicom_is_de_identified(case, alice):
    post_case_with_pictures(client_for(alice), case, [dcm("a.dcm", make.ct_series(1)[0])])
    instance = Instance.objects.get(series__study__case=case)
    with instance.file.open("rb") as f:
        data = f.read()
    assert make.PATIENT.encode() not in data
    assert make.PATIENT_ID.encode() not in data
    ds = pydicom.dcmread(instance.file.path)
    assert ds.PatientIdentityRemoved == "YES"
    assert ds.SOPInstanceUID == instance.sop_uid


def test_a_zip_of_a_series_is_unpacked_into_it(case, alice):
    archive = make.zipped({f"series/IM{n}": d for n, d in enumerate(make.ct_series(3))})
    response = post_case_with_pictures(
        client_for(alice), case, [SimpleUploadedFile("study.zip", archive)]
    )
    assert response.status_code == 302
    assert Image.objects.filter(study__case=case, instance__isnull=False).count() == 3


def test_one_bad_file_stops_the_whole_upload_and_stores_nothing(case, alice):
    before = stored_files()
    good = make.ct_series(2)
    truncated = good[0][: len(good[0]) // 2]
    files = [dcm("good1.dcm", good[0]), dcm("good2.dcm", good[1]), dcm("broken.dcm", truncated)]
    client = client_for(alice)
    job, page = failed_upload(post_case_with_pictures(client, case, files), client)
    assert [error["file"] for error in job.errors] == ["broken.dcm"]
    assert "broken.dcm" in page
    assert not Image.objects.filter(study__case=case).exists()
    assert not Instance.objects.exists()
    assert stored_files() == before


def test_a_structured_report_is_refused_by_name(case, alice):
    client = client_for(alice)
    response = post_case_with_pictures(client, case, [dcm("report.dcm", make.structured_report())])
    _, page = failed_upload(response, client)
    assert "report.dcm" in page and "structured report" in page.lower()


def test_a_zip_with_a_path_outside_the_upload_is_refused(case, alice):
    archive = make.zipped({"../../etc/evil.dcm": make.ct_series(1)[0]})
    upload = SimpleUploadedFile("x.zip", archive)
    client = client_for(alice)
    failed_upload(post_case_with_pictures(client, case, [upload]), client)
    assert not Image.objects.filter(study__case=case).exists()


def test_uploading_the_same_file_twice_adds_it_once(case, alice):
    data = make.ct_series(1)[0]
    client = client_for(alice)
    post_case_with_pictures(client, case, [dcm("a.dcm", data)])
    response = post_study_with_pictures(client, case.studies.get(), [dcm("a.dcm", data)])
    assert response.status_code == 302
    assert Instance.objects.count() == 1
    page = client.get(response.url).content.decode()
    assert "Not added: a.dcm (already imported)" in page


# --- burned-in text ---------------------------------------------------------------------------


def test_an_ultrasound_series_is_flagged_and_blocks_publishing_until_confirmed(case, alice, editor):
    post_case_with_pictures(client_for(alice), case, [dcm("us.dcm", make.ultrasound())])
    series = Series.objects.get(study__case=case, modality="US")
    assert series.burned_in and series.burned_in_confirmed_at is None
    case.submit(alice)  # as if the rule were not there: editors publish what is submitted
    client = client_for(editor)
    data = form_data(client.get(change_url(case)))
    data["status"] = Case.Status.PUBLISHED
    response = client.post(change_url(case), data)
    assert response.status_code == 200
    assert "burned-in" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED

    post_confirmation(client_for(alice), series)
    series.refresh_from_db()
    assert series.burned_in_confirmed_by == alice

    response = client.post(change_url(case), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.PUBLISHED


def test_a_ct_series_is_not_flagged(case, alice):
    post_case_with_pictures(client_for(alice), case, [dcm("a.dcm", make.ct_series(1)[0])])
    assert not Series.objects.get(study__case=case, modality="CT").burned_in


def test_a_series_marked_burned_in_annotation_yes_is_flagged(case, alice):
    data = make.ct_series(1, BurnedInAnnotation="YES")[0]
    post_case_with_pictures(client_for(alice), case, [dcm("a.dcm", data)])
    assert Series.objects.get(study__case=case, modality="CT").burned_in


# --- import_study -----------------------------------------------------------------------------


@pytest.fixture
def study_folder(tmp_path):
    folder = tmp_path / "export"
    (folder / "series1").mkdir(parents=True)
    for n, data in enumerate(make.ct_series(3)):
        (folder / "series1" / f"IM{n:04d}").write_bytes(data)
    (folder / "report.dcm").write_bytes(make.structured_report())
    return folder


def test_import_study_creates_a_draft_case_and_reports_what_it_skipped(study_folder, alice, capsys):
    call_command("import_study", str(study_folder), author="alice")
    case = Case.objects.get(author=alice)
    assert case.status == Case.Status.DRAFT
    assert Image.objects.filter(study__case=case).count() == 3
    out = capsys.readouterr().out
    assert "Imported 3 of 4 file(s)" in out
    assert "report.dcm" in out and "structured report" in out.lower()


def test_running_import_study_again_duplicates_nothing(study_folder, alice, capsys):
    call_command("import_study", str(study_folder), author="alice")
    call_command("import_study", str(study_folder), author="alice")
    assert Case.objects.filter(author=alice).count() == 1
    assert Instance.objects.count() == 3
    assert "no case was created" in capsys.readouterr().out


def test_import_study_adds_to_a_given_case(study_folder, alice, case):
    call_command("import_study", str(study_folder), author="alice", case=case.pk)
    assert Image.objects.filter(study__case=case).count() == 3


def test_import_study_refuses_a_case_the_author_may_not_edit(study_folder, bob, case):
    with pytest.raises(CommandError, match="may not edit"):
        call_command("import_study", str(study_folder), author="bob", case=case.pk)


def test_import_study_refuses_an_unknown_author(study_folder, db):
    with pytest.raises(CommandError, match="No account"):
        call_command("import_study", str(study_folder), author="nobody")


# --- orphans ----------------------------------------------------------------------------------


def test_sweep_orphans_deletes_only_files_no_row_refers_to(case, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the files of earlier tests' rolled-back rows are orphans too
    post_case_with_pictures(client_for(alice), case, [dcm("a.dcm", make.ct_series(1)[0])])
    kept = stored_files()
    orphan = Path(settings.MEDIA_ROOT) / "images" / "ff" / "orphan" / "full.png"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a crash")
    old = 1_000_000_000
    os.utime(orphan, (old, old))
    call_command("sweep_orphans")
    assert not orphan.exists()
    assert kept <= stored_files()


# --- hostile input through the whole pipeline -------------------------------------------------


def hostile_uploads():
    ct = make.ct_series(1)[0]
    return {
        "empty.dcm": b"",
        "page.dcm": b"<!doctype html><html><script>alert(1)</script></html>",
        "drawing.png": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
        "print.jpg": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
        "scan.dcm": b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64,
        "cut.dcm": ct[: len(ct) - 5000],
        "nested.zip": make.zipped({"inner.zip": make.zipped({"a.dcm": ct})}),
    }


@pytest.mark.parametrize("name", sorted(hostile_uploads()))
def test_hostile_files_are_refused_by_name_and_leave_nothing_behind(name, case):
    from viewer.ingest import IngestError, IngestLimits, deid_context, members_of, stage

    before = stored_files()
    limits = IngestLimits.from_settings()
    good = dcm("good.dcm", make.ct_series(1)[0])
    bad = SimpleUploadedFile(name, hostile_uploads()[name])
    with pytest.raises(IngestError) as caught:
        stage(members_of([good, bad], limits), deid_context(case), limits)
    assert name in str(caught.value)
    assert stored_files() == before


# --- parallel staging (import_study --jobs) ---------------------------------------------------


def test_staging_a_folder_in_two_processes_gives_the_same_series(study_folder, alice, case):
    from viewer.ingest import IngestLimits, deid_context
    from viewer.processes import stage_folder
    from viewer.publishing import publish

    limits = IngestLimits.from_settings()
    staging = stage_folder(study_folder, deid_context(case), limits, jobs=2, chunk=1, skip_bad=True)
    assert [name for name, _ in staging.skipped] == ["export/report.dcm"]
    publish(staging, case)
    series = Series.objects.get(study__case=case, modality="CT")
    assert [image.meta["position"][2] for image in series.images.order_by("position")] == [
        0.0,
        5.0,
        10.0,
    ]


def test_a_failing_worker_leaves_no_file_from_any_worker(study_folder, case):
    from viewer.ingest import IngestError, IngestLimits, deid_context
    from viewer.processes import stage_folder

    before = stored_files()
    limits = IngestLimits.from_settings()
    with pytest.raises(IngestError, match="report.dcm"):
        stage_folder(study_folder, deid_context(case), limits, jobs=2, chunk=1)
    assert stored_files() == before


def test_a_new_case_takes_dicom_in_its_first_study(alice):
    from cases.models import Anatomy, DiagnosticCategory, Modality

    client = client_for(alice)
    data = form_data(client.get("/admin/cases/case/add/"))
    data.update(
        {
            "title": "New case",
            "history": "Cough.",
            "anatomy": Anatomy.objects.get(slug="chest").pk,
            "category": DiagnosticCategory.objects.get(slug="infection").pk,
            "diagnosis": "Pneumonia",
            "studies-TOTAL_FORMS": "1",
            "studies-0-modality": Modality.objects.get(code="CT").pk,
            "studies-0-position": "0",
            "studies-0-pictures": [dcm(f"IM{n}", d) for n, d in enumerate(make.ct_series(2))],
        }
    )
    response = client.post("/admin/cases/case/add/", data)
    assert response.status_code == 302, response.content[:3000]
    case = Case.objects.get(title="New case")
    assert Image.objects.filter(study__case=case, instance__isnull=False).count() == 2
    assert case.cover_image is not None
