"""The media storage's half of a backup: every file, read and written through Django's storage
API (default_storage), so that it works the same whatever storage holds the media: the local
folder or an object store."""

import hashlib
from pathlib import Path, PurePosixPath

from django.core.files import File

from operations.backups import BackupError
from operations.readiness import PROBE_FOLDER

CHUNK = 1024 * 1024


def names(storage):
    """Every file's name in the storage, sorted; none when its root does not exist yet.
    The readiness check's probes are left out: each lives for a moment, and is no content."""
    found = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        prefix = f"{folder}/" if folder else ""
        pending += [prefix + name for name in folders if prefix + name != PROBE_FOLDER]
        found += [prefix + name for name in files]
    return sorted(found)


def copy_out(storage, folder):
    """Copy every file of the storage under folder: [{"name", "size", "sha256"}, ...]."""
    entries = []
    for name in names(storage):
        target = local_path(folder, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with storage.open(name, "rb") as source, open(target, "wb") as out:
            for chunk in chunks(source):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        entries.append({"name": name, "size": size, "sha256": digest.hexdigest()})
    return entries


def copy_in(storage, folder, entries):
    """Save each file of the backup into the storage under its own name."""
    for entry in entries:
        with open(local_path(folder, entry["name"]), "rb") as f:
            saved = storage.save(entry["name"], File(f, name=entry["name"]))
        if saved != entry["name"]:  # the storage renamed it: a name pages refer to is lost
            raise BackupError(f"the storage saved {entry['name']} as {saved}")


def chunks(opened):
    while chunk := opened.read(CHUNK):
        yield chunk


def checksum(opened):
    digest = hashlib.sha256()
    for chunk in chunks(opened):
        digest.update(chunk)
    return digest.hexdigest()


def mismatches(storage, entries):
    """The names whose file in the storage is missing or differs from the backup's."""
    wrong = []
    for entry in entries:
        try:
            with storage.open(entry["name"], "rb") as f:
                if checksum(f) != entry["sha256"]:
                    wrong.append(entry["name"])
        except FileNotFoundError:
            wrong.append(entry["name"])
    return wrong


def local_path(folder, name):
    """Where a stored file's copy lives in the backup, refusing a name that would leave it."""
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise BackupError(f"refusing a file name outside the backup: {name!r}")
    return Path(folder, *parts)


def is_empty(storage):
    return not names(storage)

