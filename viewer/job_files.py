"""Where an upload job's files wait for a worker: in the object store when there is one, so that
any worker on any host runs any job; else in WORK_DIR, which the worker then shares.

    keep_uploaded(job, files)     # the admin's request: the uploaded files, streamed
    keep_received(job, pairs)     # a PACS or STOW-RS receiver: its received files, moved
    fetch(job)                    # the worker: a folder of its own WORK_DIR to stage
    remove(job)                   # the job ended done, or was discarded

In the store they are `jobs/<key>/files/<n>/<name>` (one numbered folder each, so that they are
staged in the order they were sent). Staging reads local files (zip members, forked
processes), so the worker copies them down to WORK_DIR/jobs/<key>/files/ for the run and deletes
that copy however the run ends: a failed job keeps only the stored copy, which a retry copies
down again, on whichever worker takes it.
"""

import os
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from viewer import liveness
from viewer.models import UploadJob

PREFIX = "jobs"
State = UploadJob.State


def in_store():
    """Whether job files go to the object store (S3_BUCKET set)."""
    return bool(settings.S3_BUCKET)


def local_folder(job):
    return Path(settings.WORK_DIR) / PREFIX / job.key.hex / "files"


def stored_folder(job):
    return f"{PREFIX}/{job.key.hex}/files"


def safe_name(name, n):
    """The sent name (Django keeps only its last part); a hidden name would be walked past."""
    name = os.path.basename(name or "").lstrip(".")
    return name or f"file-{n}"


def keep_uploaded(job, files):
    """The request's uploaded files kept for the job, chunk by chunk, never whole in memory."""
    for n, uploaded in enumerate(files):
        name = f"{n:05d}/{safe_name(uploaded.name, n)}"
        if in_store():
            default_storage.save(f"{stored_folder(job)}/{name}", uploaded)
            continue
        path = local_folder(job) / name
        path.parent.mkdir(parents=True)
        with open(path, "wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)


def keep_received(job, files):
    """(name, path) pairs of received files moved to the job: into the store (and deleted
    here), or into its folder of WORK_DIR."""
    for n, (name, path) in enumerate(files):
        name = f"{n:05d}/{safe_name(name, n)}"
        if in_store():
            with open(path, "rb") as received:
                default_storage.save(f"{stored_folder(job)}/{name}", File(received))
            Path(path).unlink()
            continue
        target = local_folder(job) / name
        target.parent.mkdir(parents=True)
        shutil.move(path, target)


def fetch(job):
    """The folder of the job's files on this host; from the store, copied down first."""
    folder = local_folder(job)
    if in_store():
        shutil.rmtree(folder, ignore_errors=True)  # a killed run's partial copy
        prefix = stored_folder(job) + "/"
        for name, _ in default_storage.walk(stored_folder(job)):
            path = folder / name.removeprefix(prefix)
            path.parent.mkdir(parents=True, exist_ok=True)
            default_storage.download(name, path)
    return folder


def drop_local_copy(key):
    """The end of a run: the copy fetched from the store goes, whatever the outcome (without a
    store, the local folder is the job's only copy)."""
    if in_store():
        shutil.rmtree(local_folder(UploadJob(key=key)), ignore_errors=True)


def remove(job):
    """The job's files deleted, wherever they wait."""
    shutil.rmtree(local_folder(job), ignore_errors=True)
    if in_store():
        default_storage.delete_folder(stored_folder(job))


def ended_stored_jobs(spare_unknown_for):
    """The stored folders (jobs/<key>) of jobs that are over (done, discarded, deleted) and no
    worker holds; one without a job only once all its files are older than spare_unknown_for
    (a request may be storing them before its job is committed)."""
    if not in_store():
        return []
    newest = {}
    for name, modified in default_storage.walk(PREFIX):
        key = name.split("/")[1]
        newest[key] = max(modified, newest.get(key, modified))
    keys = {name: uuid.UUID(name) for name in newest if _is_key(name)}
    states = dict(UploadJob.objects.filter(key__in=keys.values()).values_list("key", "state"))
    cutoff = time.time() - spare_unknown_for.total_seconds()
    ended = []
    for name, modified in sorted(newest.items()):
        key = keys.get(name)
        if key in states:
            if states[key] in (State.DONE, State.DISCARDED) and not liveness.held(key):
                ended.append(f"{PREFIX}/{name}")
        elif modified.timestamp() < cutoff:
            ended.append(f"{PREFIX}/{name}")
    return ended


def _is_key(name):
    try:
        return uuid.UUID(name).hex == name
    except ValueError:
        return False
