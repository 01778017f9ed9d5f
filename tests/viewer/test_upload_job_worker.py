"""Upload jobs as production runs them: the admin's request queues the job in the database and
answers; a real `manage.py db_worker` in a process of its own stages and publishes it. A bad file
fails the job by name; a staging process killed mid-file fails the job naming the file while the
worker lives on; a worker killed with SIGKILL mid-job publishes nothing, leaves no orphan after
`sweep_orphans`, and its job, retried, completes. A bundle is imported by the worker in a process
of its own, whose death fails the job naming the file it was reading."""

import os
import signal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cases import roles
from cases.models import Case
from tests.background_worker import marked, stored, until
from tests.dicom_factory import ct_series, multiframe_ct
from tests.factories import add_dicom, client_for, make_case, make_user
from tests.pages import post_case_with_pictures
from viewer.jobs import WORKER_GONE, files_of, folder_of, submit_bundle
from viewer.models import Image, UploadJob
from viewer.staging import referenced_names

# The worker reads what the test commits, so each test commits, and ends with a flush.
pytestmark = pytest.mark.django_db(transaction=True)


def dcm(name, data):
    return SimpleUploadedFile(name, data, content_type="application/dicom")


def upload(user, files):
    """A new draft's first study given `files` through the admin: (client, job, case)."""
    case = make_case(user, status=Case.Status.DRAFT, images=0)
    client = client_for(user)
    response = post_case_with_pictures(client, case, files)
    assert response.status_code == 302, response.content[:2000]
    return client, UploadJob.objects.get(case=case), case


def progress(client, job):
    response = client.get(reverse("admin:viewer_uploadjob_progress", args=[job.pk]))
    assert response.status_code == 200
    return response.json()


def ended(client, job):
    return until(lambda: (p := progress(client, job))["state"] in ("done", "failed") and p)


def test_an_admin_upload_answers_at_once_and_the_worker_publishes_it(start_worker, alice):
    client, job, case = upload(alice, [dcm(f"IM{n}.dcm", d) for n, d in enumerate(ct_series(5))])
    # No worker yet: the request only kept the files and queued the job.
    queued = progress(client, job)
    assert queued["state"] == "queued" and queued["done"] == 0
    assert not Image.objects.filter(study__case=case).exists()
    start_worker()
    result = ended(client, job)
    assert result == {
        "id": job.pk, "state": "done", "done": 5, "total": 5, "step": "", "errors": [],
        "summary": {"added": 5, "skipped": []}, "case": case.pk,
    }
    assert Image.objects.filter(study__case=case).count() == 5
    until(lambda: not files_of(job).exists())  # its copy of the upload goes once published


def test_a_bad_file_fails_the_job_by_name_and_nothing_is_published(start_worker, alice):
    good = ct_series(3)
    files = [dcm("a.dcm", good[0]), dcm("b.dcm", good[1]), dcm("broken.dcm", good[2][:300])]
    start_worker()
    client, job, case = upload(alice, files)
    result = ended(client, job)
    assert result["state"] == "failed"
    assert [error["file"] for error in result["errors"]] == ["broken.dcm"]
    assert result["summary"] == {"added": 0, "skipped": []}
    assert not Image.objects.filter(study__case=case).exists()
    assert stored() == set()
    assert files_of(job).is_dir()  # kept, to be retried or discarded


def test_a_staging_process_killed_mid_file_fails_the_job_naming_it_and_the_worker_lives_on(
    start_worker, alice
):
    worker = start_worker()
    files = [dcm("small.dcm", ct_series(1)[0]), dcm("huge.dcm", multiframe_ct(120))]
    client, job, case = upload(alice, files)
    os.kill(until(lambda: marked("huge.dcm")), signal.SIGKILL)  # as the OOM killer would
    result = ended(client, job)
    assert result["state"] == "failed"
    assert result["errors"][0]["file"] == "huge.dcm"
    assert "stopped abruptly" in result["errors"][0]["reason"]
    assert not Image.objects.filter(study__case=case).exists()
    assert worker.alive
    client, after, _ = upload(alice, [dcm("next.dcm", ct_series(1)[0])])
    assert ended(client, after)["state"] == "done"


def test_a_worker_killed_mid_job_publishes_nothing_and_the_retried_job_completes(
    start_worker, alice
):
    worker = start_worker()
    files = [dcm("series.dcm", ct_series(1)[0]), dcm("multiframe.dcm", multiframe_ct(120))]
    client, job, case = upload(alice, files)
    until(lambda: marked("multiframe.dcm") and stored())  # mid-file, with files written
    worker.kill()
    assert not Image.objects.filter(study__case=case).exists()
    lost = progress(client, job)
    assert lost["state"] == "failed"
    assert lost["errors"] == [{"file": "", "reason": WORKER_GONE}]
    call_command("sweep_orphans", stdout=StringIO())
    assert stored() == set()
    assert not list(Path(settings.WORK_DIR, "stagings").iterdir())  # journals and marks

    response = client.post(reverse("admin:viewer_uploadjob_retry", args=[job.pk]))
    assert response.status_code == 302
    start_worker()
    result = ended(client, job)
    assert result["state"] == "done" and result["summary"]["added"] == 121
    assert Image.objects.filter(study__case=case).count() == 121
    call_command("sweep_orphans", stdout=StringIO())
    left = stored()
    assert left and referenced_names(left) == left


def test_a_bundle_is_imported_by_the_worker_in_a_process_of_its_own(start_worker, alice, tmp_path):
    case = make_case(alice, status=Case.Status.DRAFT, images=0)
    add_dicom(case.studies.get(), ct_series(3))
    call_command("export_cases", str(case.pk), str(tmp_path / "out.zip"), stdout=StringIO())
    case.delete()
    worker = start_worker()
    out = StringIO()
    call_command("import_cases", str(tmp_path / "out.zip"), stdout=out)
    job = UploadJob.objects.get(kind=UploadJob.Kind.IMPORT_CASES)
    assert job.state == UploadJob.State.DONE and job.added == 3
    imported = Case.objects.get()
    assert f"Imported case {imported.pk}" in out.getvalue()
    assert Image.objects.filter(study__case=imported).count() == 3
    assert worker.alive
    until(lambda: worker.children() == [])  # the importing process ends, and is reaped


def test_a_bundle_import_whose_process_is_killed_fails_naming_the_file(
    start_worker, alice, tmp_path
):
    case = make_case(alice, status=Case.Status.DRAFT, images=0)
    add_dicom(case.studies.get(), [multiframe_ct(120)])
    call_command("export_cases", str(case.pk), str(tmp_path / "out.zip"), stdout=StringIO())
    case.delete()
    worker = start_worker()
    job = submit_bundle(tmp_path / "out.zip")
    mark = folder_of(job) / "current"
    until(lambda: mark.exists() and mark.read_text().endswith(".dcm"))
    [importing] = worker.children()
    os.kill(importing, signal.SIGKILL)
    client = client_for(make_user("erin", roles.EDITORS, is_staff=True))  # a bundle's: editors'
    result = ended(client, job)
    assert result["state"] == "failed"
    assert result["errors"][0]["file"] == mark.read_text()
    assert not Case.objects.exists()
    assert worker.alive
