"""Staging a folder tree or .zip in worker processes, which may die without harm.

A decoder that aborts (python-gdcm on a hostile file), a segfault or the kernel's OOM killer
ends the process staging the file, never the one that asked: that one learns which file it was
and refuses the upload naming it. Each worker stages whole shares of the files, in its own
process for the life of the pool, and writes the name of the file it is on to a mark of its own
(WORK_DIR/stagings/marks-<parent pid>-*/<pid>) before reading it; when the pool breaks, the marks
name the suspects, and each is staged again alone if there are several, to find the one that kills.
Workers are forked and die with their parent (PR_SET_PDEATHSIG), so `kill -9` of a job's
process leaves no worker writing behind it; what workers wrote is journalled (viewer/inflight.py)
and deleted by the upload's cleanup or by `sweep_orphans`.
"""

import ctypes
import multiprocessing
import os
import shutil
import signal
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.db import connection, connections

from dicom.archive import ArchiveError, walk_folder
from viewer.inflight import stagings_folder
from viewer.ingest import IngestError, stage
from viewer.staging import Staging, register

CRASHED = (
    "the process reading this file stopped abruptly (a decoder crashed on it, or the server ran "
    "out of memory); nothing of this upload was added"
)
PR_SET_PDEATHSIG = 1


def stage_folder(path, context, limits, *, jobs=1, chunk=32, progress=None, isolate=False,
                 **options):  # fmt: skip
    """stage() over a folder tree or .zip in `jobs` worker processes (with `isolate`, at least
    one even for jobs=1, so that no file is read in this process). The staged results come back
    and are merged, so publish() runs once; if any worker fails or dies, every file any worker
    wrote is deleted and IngestError names the file."""
    members = list(walk_folder(path, limits.archive))  # checks the whole tree before any work
    if jobs <= 1 and not isolate:
        return stage(members, context, limits, progress=progress, **options)
    shares = [(start, min(start + chunk, len(members))) for start in range(0, len(members), chunk)]
    marks = stagings_folder() / f"marks-{os.getpid()}-{uuid.uuid4().hex}"
    marks.mkdir(parents=True)
    try:
        return _stage_shares(path, shares, len(members), marks, (context, limits, options),
                             max(1, jobs), progress)  # fmt: skip
    finally:
        shutil.rmtree(marks, ignore_errors=True)


def abandoned_marks():
    """The marks folders of processes that died before removing them (kill -9)."""
    return [path for path in sorted(stagings_folder().glob("marks-*-*"))
            if not _alive(int(path.name.split("-")[1]))]  # fmt: skip


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _stage_shares(path, shares, total, marks, how, jobs, progress):
    merged, failure = register(Staging()), None
    with _pool(jobs) as pool:
        futures = [pool.submit(_stage_share, path, share, marks, *how) for share in shares]
        for n, future in enumerate(futures, start=1):
            try:
                merged.absorb(future.result())
            except (IngestError, ArchiveError) as e:
                failure = failure or e
            except BrokenProcessPool:
                failure = failure or _which_crashed(path, marks, how)
                break
            if progress:
                progress(min(total, sum(stop - start for start, stop in shares[:n])))
    if failure:
        merged.discard()
        raise failure
    return merged


def _pool(jobs):
    # Forked: workers inherit the database connection but never use it (staging needs no
    # database), and end with os._exit, so nothing closes it under the parent.
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=_die_with_parent,
                               initargs=(os.getpid(),))  # fmt: skip


def _die_with_parent(parent):
    """A worker whose parent is killed (kill -9 of a job's process) must not stage on."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _stage_share(path, share, marks, context, limits, options):
    start, stop = share
    members = _walked(path, limits.archive)[start:stop]
    mark = marks / str(os.getpid())
    staging = stage(members, context, limits, starting=lambda name: _write_mark(mark, name),
                    **options)  # fmt: skip
    _write_mark(mark, "")
    return staging


_WALKED = {}  # in a worker: the members of the tree it stages, walked on its first share


def _walked(path, limits):
    """The tree's members, walked once per worker process rather than once per share: a walk
    checks every entry of a 1,000-file zip (~44 ms) and a job has a share per 8 files. The zip
    is opened by this process, never shared with its parent across the fork (the process id in
    the key: what a parent walked, a forked child does not use)."""
    key = (os.getpid(), os.fspath(path), limits)
    if key not in _WALKED:
        _WALKED.clear()
        _WALKED[key] = list(walk_folder(path, limits))
    return _WALKED[key]


def _write_mark(mark, name):
    mark.write_text(name, encoding="utf-8")


def _which_crashed(path, marks, how):
    """IngestError naming the file a worker died on: the one file a mark names, or of several
    (the other workers were stopped mid-file) the one that kills a process of its own again."""
    suspects = sorted(
        name for mark in marks.iterdir() if (name := mark.read_text(encoding="utf-8"))
    )
    if len(suspects) > 1:
        suspects = [name for name in suspects if _kills(path, name, how)] or suspects
    if not suspects:
        return IngestError("crashed", CRASHED)
    return IngestError("crashed", CRASHED, ", ".join(suspects))


def _kills(path, name, how):
    """Whether staging this one file alone kills its process."""
    with _pool(1) as pool:
        try:
            pool.submit(_stage_alone, path, name, *how).result()
        except BrokenProcessPool:
            return True
        except (IngestError, ArchiveError):
            pass
    return False


def _stage_alone(path, name, context, limits, options):
    members = [m for m in walk_folder(path, limits.archive) if m.name == name]
    stage(members, context, limits, **options).discard()


def run_in_child(work):
    """Run work() in a forked process with a database connection of its own, which may die
    without harm; returns its exit code (0: work() returned). Inside a transaction (a backend
    that runs jobs in the request) the connection cannot be handed over: work() runs here."""
    if connection.in_atomic_block:
        work()
        return 0
    connections.close_all()  # the child opens its own; this process reopens on its next query
    child = multiprocessing.get_context("fork").Process(
        target=_run_child, args=(work, os.getpid()), daemon=False
    )
    child.start()
    child.join()
    return child.exitcode


def _run_child(work, parent):
    _die_with_parent(parent)
    try:
        work()
    finally:
        connections.close_all()
