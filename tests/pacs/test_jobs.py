"""Received studies as production runs them: the receiver (or the STOW-RS request) only keeps the
files in a queued upload job and answers; a real `manage.py db_worker` in a process of its own
de-identifies, stages and publishes them into the draft chosen on arrival, and completes the
received study's record. A file that kills its staging process fails the job naming it; the
sweep leaves nothing behind."""

import os
import signal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from pydicom.uid import generate_uid

from cases.models import Case
from pacs.models import ReceivedStudy
from tests.background_worker import marked, stored, until
from tests.dicom_factory import ct_series, multiframe_ct
from tests.pacs.peers import storescu, write_files
from tests.pacs.stow import post, referenced, uid_of
from viewer.models import Image, UploadJob
from viewer.staging import referenced_names

# The worker reads what the test commits, so each test commits, and ends with a flush.
pytestmark = pytest.mark.django_db(transaction=True)


def ended(job):
    return until(lambda: (now := UploadJob.objects.get(pk=job.pk)).finished and now)


def test_a_study_received_while_no_worker_runs_waits_as_a_job_the_worker_publishes(
    start_worker, client, token, alice
):
    files = ct_series(3)
    response = post(client, files, token)
    # Accepted for storage: the answer lists every instance before anything is published.
    assert response.status_code == 200
    assert sorted(referenced(response)) == sorted(uid_of(f) for f in files)
    record = ReceivedStudy.objects.get()
    job = record.job
    assert (job.state, job.kind, job.author) == ("queued", "pacs", alice)
    assert record.case.status == Case.Status.DRAFT and job.case == record.case
    assert not Image.objects.exists() and record.images_added == 0

    start_worker()
    assert ended(job).state == "done"
    record.refresh_from_db()
    assert record.images_added == 3 and record.refusals == []
    assert Image.objects.filter(study__case=record.case).count() == 3

    call_command("sweep_orphans", stdout=StringIO())
    work = Path(settings.WORK_DIR)
    assert not [p for p in work.glob("jobs/*/files") if p.exists()]
    assert not list(work.glob("jobs/*")) and not list(work.glob("incoming/*"))
    left = stored()
    assert left and referenced_names(left) == left


def test_two_associations_of_one_study_queued_together_fill_one_draft(
    start_worker, receiver, mapped, tmp_path
):
    study = generate_uid()
    storescu(receiver.port, write_files(tmp_path / "a", ct_series(3, study_uid=study)))
    storescu(receiver.port, write_files(tmp_path / "b", ct_series(2, study_uid=study)))
    [first], [second] = receiver.taken(), receiver.taken()
    assert first.case == second.case and Case.objects.count() == 1
    assert {first.job.state, second.job.state} == {"queued"}

    start_worker()
    ended(first.job)
    ended(second.job)
    assert Image.objects.filter(study__case=first.case).count() == 5
    assert first.case.studies.count() == 1
    assert sorted(ReceivedStudy.objects.values_list("images_added", flat=True)) == [2, 3]


def test_a_file_that_kills_its_staging_process_fails_the_job_naming_it(
    start_worker, client, token
):
    worker = start_worker()
    study = generate_uid()
    post(client, [ct_series(1, study_uid=study)[0], multiframe_ct(120, StudyInstanceUID=study)],
         token)  # fmt: skip
    record = ReceivedStudy.objects.get()
    os.kill(until(lambda: marked("instance 2")), signal.SIGKILL)  # as the OOM killer would
    job = ended(record.job)
    assert job.state == "failed"
    assert job.errors[0]["file"] == "instance 2"
    assert "stopped abruptly" in job.errors[0]["reason"]
    assert not Image.objects.exists()
    record.refresh_from_db()
    assert record.images_added == 0  # the job page says why, and may retry it
    assert worker.alive
