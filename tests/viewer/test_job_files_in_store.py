"""An upload job's files on an object store (moto's S3 server on loopback, tests/object_store.py):
the request stores them in the bucket, none in WORK_DIR; the worker stages a copy of its own and
deletes it; a failed job keeps the stored copy, which a retry stages and Discard deletes; the
sweep deletes the stored files of jobs that ended, never those of a job queued, failed or running;
received PACS files are moved into the bucket. Jobs run at once here (tests/settings.py)."""

from datetime import timedelta
from io import StringIO

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cases.models import Case
from tests.dicom_factory import ct_series
from tests.factories import client_for, make_case
from tests.pages import post_case_with_pictures
from viewer import job_files, jobs, liveness
from viewer.models import Image, UploadJob

State = UploadJob.State


def dcm(name, data):
    return SimpleUploadedFile(name, data, content_type="application/dicom")


def stored_job_files(job=None):
    folder = job_files.stored_folder(job) if job else job_files.PREFIX
    return {name for name, _ in default_storage.walk(folder)}


def draft(user):
    return make_case(user, status=Case.Status.DRAFT, images=0)


def kept_job(user, state, files=None):
    """A job of `state` whose files wait in the bucket, as a request left them."""
    case = draft(user)
    job = UploadJob.objects.create(case=case, study=case.studies.get(), author=user, state=state)
    job_files.keep_uploaded(job, files or [dcm("a.dcm", ct_series(1)[0])])
    return job


def test_a_failed_upload_keeps_its_files_in_the_bucket_and_none_in_work_dir(s3_bucket, alice):
    case = draft(alice)
    files = [dcm("good.dcm", ct_series(1)[0]), dcm("broken.dcm", ct_series(1)[0][:300])]
    assert post_case_with_pictures(client_for(alice), case, files).status_code == 302
    job = UploadJob.objects.get(case=case)
    assert job.state == State.FAILED
    assert stored_job_files(job) == {
        f"jobs/{job.key.hex}/files/00000/good.dcm", f"jobs/{job.key.hex}/files/00001/broken.dcm"
    }
    assert not job_files.local_folder(job).exists()  # the worker's copy went with its run


def test_a_published_upload_leaves_no_job_files_in_the_bucket(s3_bucket, alice):
    case = draft(alice)
    assert post_case_with_pictures(client_for(alice), case, [dcm("a.dcm", ct_series(1)[0])])
    job = UploadJob.objects.get(case=case)
    assert job.state == State.DONE and job.added == 1
    assert stored_job_files() == set()
    assert not job_files.local_folder(job).exists()


def test_a_retry_stages_the_stored_copy_then_deletes_it(s3_bucket, alice):
    job = kept_job(alice, State.FAILED, [dcm(f"IM{n}.dcm", d) for n, d in enumerate(ct_series(3))])
    assert jobs.retry(job)
    job.refresh_from_db()
    assert job.state == State.DONE and job.added == 3
    assert Image.objects.filter(study__case=job.case).count() == 3
    assert stored_job_files() == set()


def test_discarding_a_failed_job_deletes_its_stored_files(s3_bucket, alice):
    job = kept_job(alice, State.FAILED)
    other = kept_job(alice, State.FAILED)
    assert jobs.discard(job)
    assert stored_job_files(job) == set()
    assert stored_job_files(other)  # another job's files stay


def test_the_sweep_deletes_the_stored_files_of_ended_jobs_only(s3_bucket, alice):
    done, discarded = kept_job(alice, State.DONE), kept_job(alice, State.DISCARDED)
    kept = [kept_job(alice, state) for state in (State.QUEUED, State.FAILED, State.RUNNING)]
    unknown = UploadJob(key=kept_job(alice, State.DONE).key)
    UploadJob.objects.filter(key=unknown.key).delete()  # deleted with its case
    with liveness.hold(kept[-1].key):  # the running job's worker lives
        call_command("sweep_orphans", stdout=StringIO())
    assert not stored_job_files(done) and not stored_job_files(discarded)
    assert all(stored_job_files(job) for job in kept)
    assert stored_job_files(unknown)  # spared for an hour: a request may be storing them


def test_stored_files_without_a_job_go_once_older_than_the_grace(s3_bucket, alice):
    orphan = UploadJob(key=kept_job(alice, State.DONE).key)
    UploadJob.objects.filter(key=orphan.key).delete()
    queued = kept_job(alice, State.QUEUED)
    assert job_files.ended_stored_jobs(spare_unknown_for=timedelta(hours=1)) == []
    assert job_files.ended_stored_jobs(spare_unknown_for=timedelta(0)) == [
        f"jobs/{orphan.key.hex}"
    ]
    assert stored_job_files(queued)


def test_received_files_are_moved_into_the_bucket(s3_bucket, alice, tmp_path):
    received = tmp_path / "IM0"
    received.write_bytes(ct_series(1)[0])
    job = jobs.receive_files(draft(alice), alice, [("IM0", str(received))])
    assert stored_job_files(job) == {f"jobs/{job.key.hex}/files/00000/IM0"}
    assert not received.exists()
    assert not job_files.local_folder(job).exists()
    jobs.enqueue(job)
    job.refresh_from_db()
    assert job.state == State.DONE and job.added == 1
    assert stored_job_files() == set()


def test_without_a_bucket_the_files_wait_in_work_dir(alice, settings):
    assert not settings.S3_BUCKET
    job = kept_job(alice, State.FAILED)
    assert (job_files.local_folder(job) / "00000" / "a.dcm").is_file()
    jobs.discard(job)
    assert not job_files.local_folder(job).exists()
