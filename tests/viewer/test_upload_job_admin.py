"""An upload job in the admin: the message after an upload links to it; its page and list show
its state, files and errors; progress.json, Retry and Discard answer its owner and the editors of
its case, and nobody else. Jobs run at once here (tests/settings.py); the worker's own tests are
in test_upload_job_worker.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Case
from tests.dicom_factory import ct_series
from tests.factories import client_for, make_case
from tests.pages import post_case_with_pictures
from viewer import jobs
from viewer.models import Image, UploadJob


def url(name, job):
    return reverse(f"admin:viewer_uploadjob_{name}", args=[job.pk])


def dcm(name, data):
    return SimpleUploadedFile(name, data, content_type="application/dicom")


@pytest.fixture
def case(alice):
    return make_case(alice, status=Case.Status.DRAFT, images=0)


def upload(user, case, files):
    client = client_for(user)
    response = post_case_with_pictures(client, case, files)
    assert response.status_code == 302
    return UploadJob.objects.latest("pk"), client.get(response.url).content.decode()


@pytest.fixture
def done_job(alice, case):
    return upload(alice, case, [dcm("a.dcm", ct_series(1)[0])])[0]


@pytest.fixture
def failed_job(alice, case):
    return upload(alice, case, [dcm("broken.dcm", ct_series(1)[0][:300])])[0]


def lose_its_worker(job):
    """What a worker killed mid-job leaves: the job marked running, its lock held by no one."""
    UploadJob.objects.filter(pk=job.pk).update(state=UploadJob.State.RUNNING, errors=[])


# --- what the contributor sees ------------------------------------------------------------------


def test_the_page_after_an_upload_links_to_its_job(alice, case):
    job, page = upload(alice, case, [dcm("a.dcm", ct_series(1)[0])])
    assert f'href="{job.get_absolute_url()}"' in page
    assert "1 image(s) added" in page


def test_the_jobs_page_follows_it_while_it_runs_and_offers_retry_when_it_failed(alice, failed_job):
    client = client_for(alice)
    page = client.get(failed_job.get_absolute_url()).content.decode()
    assert "broken.dcm" in page
    assert f'data-progress-url="{url("progress", failed_job)}"' in page
    assert "viewer/upload_job.js" in page
    assert url("retry", failed_job) in page and url("discard", failed_job) in page


def test_the_list_shows_state_files_and_the_error_naming_the_file(alice, done_job, failed_job):
    page = client_for(alice).get(reverse("admin:viewer_uploadjob_changelist")).content.decode()
    assert "Failed" in page and "Done" in page
    assert "1 of 1" in page
    assert "broken.dcm" in page


def test_the_list_costs_the_same_queries_however_many_jobs(
    alice, case, django_assert_max_num_queries, django_assert_num_queries
):
    client = client_for(alice)
    changelist = reverse("admin:viewer_uploadjob_changelist")
    jobs.submit_files(case.studies.get(), alice, [dcm("a.dcm", ct_series(1)[0])])
    client.get(changelist)  # the session and permission caches warm
    with django_assert_max_num_queries(20) as one:
        client.get(changelist)
    for n in range(3):
        jobs.submit_files(case.studies.get(), alice, [dcm(f"{n}.dcm", ct_series(1)[0])])
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(changelist)


# --- progress.json ---------------------------------------------------------------------------


def test_progress_tells_state_files_step_errors_and_summary(alice, failed_job):
    body = client_for(alice).get(url("progress", failed_job)).json()
    assert body["state"] == "failed" and body["total"] == 1 and body["step"] == ""
    assert [error["file"] for error in body["errors"]] == ["broken.dcm"]
    assert body["summary"] == {"added": 0, "skipped": []}


def test_an_editor_of_the_case_reads_the_progress(editor, done_job):
    assert client_for(editor).get(url("progress", done_job)).json()["state"] == "done"


def test_another_contributor_cannot_read_a_job_or_find_it_listed(bob, done_job):
    client = client_for(bob)
    assert client.get(url("progress", done_job)).status_code == 404
    assert client.get(done_job.get_absolute_url()).status_code == 404
    listing = client.get(reverse("admin:viewer_uploadjob_changelist")).content.decode()
    assert done_job.get_absolute_url() not in listing


def test_a_resident_and_a_visitor_are_sent_to_the_admin_login(resident, done_job):
    for client in (client_for(resident), Client()):
        response = client.get(url("progress", done_job))
        assert response.status_code == 302 and "/admin/login/" in response.url


# --- retry and discard ------------------------------------------------------------------------


def test_a_job_whose_worker_is_gone_is_failed_when_looked_at_and_a_retry_completes_it(
    alice, case, done_job
):
    Image.objects.filter(study__case=case).delete()
    lose_its_worker(done_job)
    client = client_for(alice)
    lost = client.get(url("progress", done_job)).json()
    assert lost["state"] == "failed"
    assert lost["errors"] == [{"file": "", "reason": jobs.WORKER_GONE}]
    # A done job's copy of the files is gone: give the retry its file back.
    folder = jobs.files_of(done_job) / "00000"
    folder.mkdir(parents=True)
    (folder / "a.dcm").write_bytes(ct_series(1)[0])
    assert client.post(url("retry", done_job)).status_code == 302
    assert client.get(url("progress", done_job)).json()["summary"]["added"] == 1
    assert Image.objects.filter(study__case=case).count() == 1


def test_discarding_a_failed_job_deletes_its_files(alice, failed_job):
    assert jobs.files_of(failed_job).is_dir()
    assert client_for(alice).post(url("discard", failed_job)).status_code == 302
    failed_job.refresh_from_db()
    assert failed_job.state == UploadJob.State.DISCARDED
    assert not jobs.files_of(failed_job).exists()


def test_a_done_job_is_neither_retried_nor_discarded(alice, done_job):
    client = client_for(alice)
    client.post(url("retry", done_job))
    client.post(url("discard", done_job))
    done_job.refresh_from_db()
    assert done_job.state == UploadJob.State.DONE


def test_another_contributor_can_neither_retry_nor_discard(bob, failed_job):
    client = client_for(bob)
    assert client.post(url("retry", failed_job)).status_code == 404
    assert client.post(url("discard", failed_job)).status_code == 404
    failed_job.refresh_from_db()
    assert failed_job.state == UploadJob.State.FAILED


def test_retry_and_discard_are_posts_with_a_csrf_token(alice, failed_job):
    assert client_for(alice).get(url("retry", failed_job)).status_code == 405
    strict = client_for(alice, enforce_csrf_checks=True)
    assert strict.post(url("discard", failed_job)).status_code == 403
    failed_job.refresh_from_db()
    assert failed_job.state == UploadJob.State.FAILED


def test_progress_costs_the_same_queries_whatever_the_job_holds(
    alice, done_job, failed_job, django_assert_max_num_queries, django_assert_num_queries
):
    client = client_for(alice)
    client.get(url("progress", done_job))  # the session and permission caches warm
    with django_assert_max_num_queries(10) as done:
        client.get(url("progress", done_job))
    with django_assert_num_queries(len(done.captured_queries)):
        client.get(url("progress", failed_job))
