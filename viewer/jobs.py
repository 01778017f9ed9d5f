"""Uploads as background jobs: the request (or command) keeps the files and enqueues a job; a
worker (`manage.py db_worker`, or any backend of Django's Tasks API) stages them in processes of
its own (viewer.processes) and publishes them in one transaction, or fails naming the file.

    job = submit_files(study, author, uploaded_files)      # the admin's Add images
    job = submit_folder(case or None, author, path, ...)    # import_study
    job = receive_files(case, author, pairs); enqueue(job)   # pacs.intake, received studies

The uploaded files wait in the object store, or in WORK_DIR without one (viewer.job_files),
until the job is done or discarded; a failed job keeps them, to be retried. While a worker runs a
job it holds the job's lock (viewer.liveness), which is released however the worker ends: a job
"running" whose lock nobody holds lost its worker (kill -9, a restart), and is failed when next
looked at, from any host, to be retried.
"""

import os
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db import DatabaseBackend

from cases.models import Case
from dicom.archive import ArchiveError, walk_folder
from viewer import job_files, liveness
from viewer.ingest import IngestError, known_among
from viewer.models import Image, Instance, UploadJob
from viewer.processes import CRASHED, run_in_child
from viewer.uploads import Upload, cleanup_unpublished

State = UploadJob.State
WORKER_GONE = (
    "the worker running this upload stopped (it was killed, or its machine restarted) before "
    "it finished; nothing was added. Retry it."
)

PROGRESS_SECONDS = 1.0  # at most one write of a job's progress a second

# Sent inside the publishing transaction of a job that ended done (job=): what received the
# files records the outcome with its images (pacs), without viewer knowing who listens.
upload_done = Signal()


def jobs_folder():
    return Path(settings.WORK_DIR) / "jobs"


def folder_of(job):
    return jobs_folder() / job.key.hex


def files_of(job):
    """What the job stages: the folder given to import_study, or its own copy of the upload."""
    return Path(job.source) if job.source else folder_of(job) / "files"


# --- submitting --------------------------------------------------------------------------------


def submit_files(study, author, files):
    """Keep the uploaded files for a job adding them to the study; enqueue it."""
    job = UploadJob.objects.create(case=study.case, study=study, author=author, total=len(files))
    job_files.keep_uploaded(job, files)
    enqueue(job)
    return job


def receive_files(case, author, files):
    """A job (not yet sent: enqueue it once the caller recorded it) adding received DICOM files,
    (name, path) pairs under WORK_DIR, to a draft case made for them. They are moved, not
    copied, to where the job's files wait: they outlive the receiver's, and go when the job
    ends."""
    options = {"skip_bad": True, "accept_pictures": False, "drop_empty_case": True}
    job = UploadJob.objects.create(kind=UploadJob.Kind.PACS, case=case, author=author,
                                   total=len(files), options=options)  # fmt: skip
    job_files.keep_received(job, files)
    return job


def submit_folder(case, author, path, *, title="", processes=None):
    """A job importing a folder tree or .zip of DICOM (import_study): into `case`, or into a new
    draft titled `title`, made only if something is imported."""
    options = {"skip_bad": True, "accept_pictures": False, "processes": processes}
    if case is None:
        options.update(known="author", new_case_title=title, case_salt=Case().deid_salt)
    job = UploadJob.objects.create(
        kind=UploadJob.Kind.IMPORT_STUDY, case=case, author=author,
        source=str(Path(path).resolve()), options=options,
    )  # fmt: skip
    enqueue(job)
    return job


def submit_bundle(path, *, author=None, as_draft=False, create_terms=False,
                  create_authors=False):  # fmt: skip
    """A job importing a case bundle (import_cases); `author` the username its cases without an
    account here go to, who also owns the job (else the editors follow it)."""
    options = {"author": author, "as_draft": as_draft, "create_terms": create_terms,
               "create_authors": create_authors}  # fmt: skip
    owner = get_user_model().objects.filter(username=author).first() if author else None
    job = UploadJob.objects.create(
        kind=UploadJob.Kind.IMPORT_CASES, author=owner, source=str(Path(path).resolve()),
        options=options,
    )  # fmt: skip
    enqueue(job)
    return job


def enqueue(job):
    """Send the job to the task backend. One that keeps its queue in this database (or runs the
    task at once) gets it inside the caller's transaction, so job and task are committed
    together or not at all; any other only once the job is committed, or its worker might look
    for a job that is not there yet."""
    from viewer.tasks import run_upload_job

    def send():
        result = run_upload_job.enqueue(job.pk)
        UploadJob.objects.filter(pk=job.pk).update(task_result_id=str(result.id)[:64])

    if isinstance(run_upload_job.get_backend(), (DatabaseBackend, ImmediateBackend)):
        send()
    else:
        transaction.on_commit(send)


def retry(job):
    """Run a failed job again on the same files; False if it is not failed (any more)."""
    again = UploadJob.objects.filter(pk=job.pk, state=State.FAILED).update(
        state=State.QUEUED, done=0, errors=[], step="", started_at=None, finished_at=None
    )
    if again:
        enqueue(job)
    return bool(again)


def discard(job):
    """Give up a failed or waiting job and delete its copy of the files; False if it runs or
    ran meanwhile."""
    gone = UploadJob.objects.filter(pk=job.pk, state__in=[State.FAILED, State.QUEUED]).update(
        state=State.DISCARDED, step="", finished_at=timezone.now()
    )
    if gone:
        remove_files(job)
    return bool(gone)


def remove_files(job):
    job_files.remove(job)


def wait_for(job, *, running, waiting, interval=0.5):
    """Poll the job until it ends (for a command that follows its job); running(job) and
    waiting(job) are called on the way. Returns the job as it ended."""
    while True:
        job = notice_lost_worker(UploadJob.objects.get(pk=job.pk))
        if job.finished:
            return job
        (running if job.state == State.RUNNING else waiting)(job)
        time.sleep(interval)


def notice_lost_worker(job):
    """Fail a job marked running whose worker is gone (see the module's docstring)."""
    if job.state == State.RUNNING and not liveness.held(job.key):
        error = [{"file": "", "reason": WORKER_GONE}]
        if UploadJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
            state=State.FAILED, errors=error, step="", finished_at=timezone.now()
        ):
            job.refresh_from_db()
    return job


def ended_job_folders(spare_unknown_for):
    """The folders in WORK_DIR/jobs/ of jobs that are over (done, discarded, deleted), that no
    worker holds; one without a job only once older than spare_unknown_for."""
    if not jobs_folder().is_dir():
        return []
    folders = {path.name: path for path in jobs_folder().iterdir() if path.is_dir()}
    keys = [uuid.UUID(name) for name in folders if _is_key(name)]
    states = dict(UploadJob.objects.filter(key__in=keys).values_list("key", "state"))
    known = {key.hex for key in states}
    alive = {key.hex for key, state in states.items() if state not in (State.DONE, State.DISCARDED)}
    cutoff = time.time() - spare_unknown_for.total_seconds()
    return [
        path for name, path in sorted(folders.items())
        if name not in alive and not (_is_key(name) and liveness.held(uuid.UUID(name)))
        and (name in known or path.stat().st_mtime < cutoff)
    ]


def _is_key(name):
    try:
        return uuid.UUID(name).hex == name
    except ValueError:
        return False


# --- running -----------------------------------------------------------------------------------


def run(pk):
    """The task: stage the job's files, publish them all in one transaction; or fail it."""
    with _running(pk) as job:
        if job is None:  # discarded, deleted, or run by another worker
            return
        try:
            if job.kind == UploadJob.Kind.IMPORT_CASES:
                _run_bundle(job)
            else:
                with cleanup_unpublished():
                    _stage_and_publish(job)
        except (IngestError, ArchiveError) as e:
            _fail(job, e.name, e.reason)
        except OSError as e:
            _fail(job, "", f"the upload's files could not be read ({e.strerror or e})")
        except Exception as e:
            _fail(job, "", f"an unexpected error ({type(e).__name__}); see the worker's log")
            raise


@contextmanager
def _running(pk):
    """The job, claimed and locked for this process (None if it is not queued)."""
    key = UploadJob.objects.filter(pk=pk).values_list("key", flat=True).first()
    if key is None:  # deleted with its case
        yield None
        return
    folder_of(UploadJob(key=key)).mkdir(parents=True, exist_ok=True)
    with liveness.hold(key) as taken:
        if not taken:
            yield None
            return
        claimed = UploadJob.objects.filter(pk=pk, state=State.QUEUED).update(
            state=State.RUNNING, started_at=timezone.now(), step="counting the files"
        )
        try:
            yield UploadJob.objects.select_related("case", "study").get(pk=pk) if claimed else None
        finally:
            job_files.drop_local_copy(key)


def _stage_and_publish(job):
    case = job.case or _new_case(job)
    upload = Upload(case, **_upload_options(job, case))
    path = files_of(job) if job.source else job_files.fetch(job)
    total = sum(1 for _ in walk_folder(path, upload.limits.archive))
    _update(job, total=total, step="reading, de-identifying and rendering")

    told = [0.0]

    def progress(done):
        # A write a second at most: the page polls about that often, and a share ends every
        # tenth of a second on a fast machine.
        if done == total or time.monotonic() - told[0] >= PROGRESS_SECONDS:
            told[0] = time.monotonic()
            _update(job, done=done)

    upload.stage(path, progress=progress)
    _update(job, step="publishing")
    with transaction.atomic():
        added = 0
        if not upload.empty:
            if case.pk is None:
                case.save()
            added = upload.publish(job.study).added
        skipped = [{"file": shown_name(job, f), "reason": r} for f, r in upload.staging.skipped]
        _update(job, state=State.DONE, step="", added=added, skipped=skipped,
                case=case if case.pk else None, finished_at=timezone.now())  # fmt: skip
        upload_done.send(sender=UploadJob, job=job)
        if not added and job.options.get("drop_empty_case"):
            _drop_if_empty(job, case)
    if not job.source:
        remove_files(job)


def _drop_if_empty(job, case):
    """A draft made for received files that were all refused goes, unless it holds images (its
    owner's, or an earlier send's) or another job waits to fill it. Its row is locked first, so
    that no intake joins it meanwhile (pacs.intake.draft_for locks it too)."""
    status = Case.objects.select_for_update().filter(pk=case.pk).values_list("status", flat=True)
    waiting = case.upload_jobs.exclude(pk=job.pk).exclude(state__in=[State.DONE, State.DISCARDED])
    if status.first() != Case.Status.DRAFT or waiting.exists():
        return
    if Image.objects.filter(study__case=case).exists():
        return
    case.upload_jobs.update(case=None)  # its jobs (and their records) outlive it
    job.case = None
    case.delete()


def _run_bundle(job):
    """A bundle is imported in a process of its own (viewer.processes.run_in_child): its cases
    and images in one transaction there, the job's end with them. If that process dies, the job
    fails naming the file it was reading."""
    mark = folder_of(job) / "current"
    _update(job, step="importing the bundle's cases")
    run_in_child(lambda: _import_bundle(job, mark))
    job.refresh_from_db()
    if not job.finished:
        _fail(job, mark.read_text(encoding="utf-8") if mark.exists() else "", CRASHED)


def _import_bundle(job, mark):
    from cases.bundle import BundleError, import_bundle

    files = []

    def starting(name):
        mark.write_text(name, encoding="utf-8")
        files.append(name)

    try:
        with cleanup_unpublished(), transaction.atomic():
            imported = import_bundle(job.source, starting=starting, **job.options)
            cases = [one.case.pk for one in imported]
            _update(job, state=State.DONE, step="", finished_at=timezone.now(),
                    total=len(files), done=len(files),
                    added=Image.objects.filter(study__case__in=cases).count(),
                    imported=[{"case": one.case.pk, "title": one.case.title,
                               "updated": one.updated} for one in imported])  # fmt: skip
    except BundleError as e:
        _fail(job, "", str(e))


def _new_case(job):
    return Case(
        title=job.options["new_case_title"], author=job.author, status=Case.Status.DRAFT,
        deid_salt=job.options["case_salt"],
    )  # fmt: skip


def _upload_options(job, case):
    options = job.options
    known = None
    if options.get("known") == "author":
        known = known_among(Instance.objects.filter(series__study__case__author=job.author))
    processes = options.get("processes") or os.cpu_count() or 1
    return {
        "known": known, "skip_bad": options.get("skip_bad", False),
        "accept_pictures": options.get("accept_pictures", True), "jobs": processes,
        "isolate": True,
    }  # fmt: skip


def _update(job, **fields):
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def _fail(job, name, reason):
    error = {"file": shown_name(job, name), "reason": reason}
    _update(job, state=State.FAILED, step="", errors=[error], finished_at=timezone.now())


def shown_name(job, name):
    """A staged file's name as its sender knows it: without the job's own folders."""
    if job.source or not name:
        return name
    return ", ".join(one.split("/", 2)[-1] for one in name.split(", "))  # files/00000/a.dcm
