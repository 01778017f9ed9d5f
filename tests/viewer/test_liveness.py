"""Whether an upload job's worker lives (viewer/liveness.py): a job held by its worker is judged
running, and one nobody holds is failed as lost; on PostgreSQL the judgement needs nothing of the
worker's host (another WORK_DIR sees the same), and a worker whose database session ends (its
host gone) is judged lost at once."""

import pytest
from django.db import connection

from cases.models import Case
from tests.background_worker import until
from tests.factories import make_case
from viewer import jobs, liveness
from viewer.models import UploadJob

State = UploadJob.State
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="run with the PostgreSQL pass"
)


@pytest.fixture
def running_job(alice):
    case = make_case(alice, status=Case.Status.DRAFT, images=0)
    return UploadJob.objects.create(
        case=case, study=case.studies.get(), author=alice, state=State.RUNNING
    )


def test_a_job_held_by_its_worker_is_judged_running_and_no_other_worker_takes_it(running_job):
    with liveness.hold(running_job.key) as taken:
        assert taken
        assert liveness.held(running_job.key)
        with liveness.hold(running_job.key) as again:
            assert not again
        assert jobs.notice_lost_worker(running_job).state == State.RUNNING
    assert not liveness.held(running_job.key)


def test_a_running_job_nobody_holds_is_failed_as_lost(running_job):
    job = jobs.notice_lost_worker(running_job)
    assert job.state == State.FAILED
    assert job.errors == [{"file": "", "reason": jobs.WORKER_GONE}]


def test_one_job_s_lock_is_not_another_s(running_job, alice):
    other = UploadJob.objects.create(author=alice, state=State.RUNNING)
    with liveness.hold(running_job.key):
        assert not liveness.held(other.key)
        assert jobs.notice_lost_worker(other).state == State.FAILED


@on_postgresql
def test_a_host_with_another_work_dir_sees_the_worker_live(running_job, settings, tmp_path):
    with liveness.hold(running_job.key):
        settings.WORK_DIR = tmp_path / "another-host"
        assert liveness.held(running_job.key)
        assert jobs.notice_lost_worker(running_job).state == State.RUNNING


@on_postgresql
def test_a_worker_whose_database_session_ends_is_judged_lost_at_once(running_job):
    with liveness.hold(running_job.key):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                " AND classid::bigint = %s AND objid::bigint = %s",
                liveness.listed_as(running_job.key),
            )
        until(lambda: not liveness.held(running_job.key))  # the session ends a moment later
        assert jobs.notice_lost_worker(running_job).state == State.FAILED

