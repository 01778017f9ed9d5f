"""What uploads are in flight, so that the sweep after a crash (`manage.py sweep_orphans`) deletes
at once what a dead process left, and never what a live one is writing.

Each staging keeps a journal in WORK_DIR/stagings/: the storage names it is about to write, one a
line, each written before its file. A journal is locked (flock) for as long as its staging lives,
and the kernel releases the lock when the process ends, however it ends (kill -9 included): a
journal nobody holds is a dead staging's. Django's temporary upload files (FILE_UPLOAD_TEMP_DIR)
are locked the same way while their request reads them (LockedTemporaryFileUploadHandler).
"""

import fcntl
import os
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

# A temporary upload file exists a moment before its handler locks it.
UNLOCKED_GRACE_SECONDS = 5


def stagings_folder():
    return Path(settings.WORK_DIR) / "stagings"


class Journal:
    """The storage names one staging writes, locked while the staging lives."""

    def __init__(self):
        folder = stagings_folder()
        folder.mkdir(parents=True, exist_ok=True)
        key = uuid.uuid4().hex
        opening = folder / f"{key}.opening"
        self.file = open(opening, "x", encoding="utf-8")  # noqa: SIM115 (open while it lives)
        fcntl.flock(self.file, fcntl.LOCK_EX)
        # Locked before the sweep can see it: the sweep reads only *.journal.
        self.path = opening.rename(folder / f"{key}.journal")

    def record(self, names):
        self.file.write("".join(f"{name}\n" for name in names))
        self.file.flush()  # to the kernel, which outlives the process

    def close(self):
        self.path.unlink(missing_ok=True)
        self.file.close()


def incoming_folder():
    return Path(settings.WORK_DIR) / "incoming"


class HeldFolder:
    """A folder of files received from the network (DICOM from a PACS, a STOW-RS request) and not
    yet handed to an upload, in WORK_DIR/incoming/. Its lock file is held while its receiver
    lives, so the sweep deletes a dead receiver's folder at once and never a live one's."""

    def __init__(self):
        folder = incoming_folder()
        folder.mkdir(parents=True, exist_ok=True)
        key = uuid.uuid4().hex
        opening = folder / f"{key}.opening"
        self.lock = open(opening, "x", encoding="utf-8")  # noqa: SIM115 (open while it lives)
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.lock_path = opening.rename(folder / f"{key}.lock")  # the sweep reads only *.lock
        self.path = folder / key
        self.path.mkdir()

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)
        self.lock_path.unlink(missing_ok=True)
        self.lock.close()


def abandoned_incoming():
    """The lock files of received folders no live receiver holds (their folder is path minus
    .lock)."""
    folder = incoming_folder()
    if not folder.is_dir():
        return []
    return [path for path in sorted(folder.glob("*.lock")) if not held(path)]


def held(path):
    """Whether a live process holds the file's lock (False for a file gone meanwhile)."""
    try:
        with open(path, "rb") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
    except FileNotFoundError:
        return False
    return False


def journals():
    """(names the live stagings write, the journals of dead ones)."""
    live, dead = set(), []
    for path in sorted(stagings_folder().glob("*.journal")):
        if held(path):
            live.update(path.read_text(encoding="utf-8").splitlines())
        else:
            dead.append(path)
    return live, dead


def abandoned_temporary_uploads():
    """Django's temporary upload files that no live request holds."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return []
    cutoff = time.time() - UNLOCKED_GRACE_SECONDS
    return [
        path for path in sorted(folder.glob("*.upload*"))
        if path.stat().st_mtime < cutoff and not held(path)
    ]


class LockedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for uploads too large for memory, whose file is locked while it lives,
    in a folder of the project's (FILE_UPLOAD_TEMP_DIR) rather than the system's /tmp."""

    def new_file(self, *args, **kwargs):
        os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, exist_ok=True)
        super().new_file(*args, **kwargs)
        fcntl.flock(self.file.fileno(), fcntl.LOCK_EX)
