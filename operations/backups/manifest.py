"""manifest.json, written last into a backup's folder: when it was made, by which version of the
app, the migrations its database had, its dump's checksum and every media file's. A folder
without one is an interrupted backup, which restore refuses."""

import json
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from operations.backups import BackupError
from operations.backups.media import checksum, local_path

NAME = "manifest.json"
FORMAT = 1
MEDIA_FOLDER = "media"


def app_version():
    try:
        return metadata.version("radiology-teaching-cases")
    except metadata.PackageNotFoundError:
        return "unknown"


def build(vendor, dump_name, dump_sha256, migrations, files):
    return {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "app_version": app_version(),
        "database": {"vendor": vendor, "file": dump_name, "sha256": dump_sha256},
        "migrations": migrations,
        "media": {"folder": MEDIA_FOLDER, "file_count": len(files),
                  "bytes": sum(entry["size"] for entry in files), "files": files},
    }


def write(folder, manifest):
    with open(Path(folder, NAME), "x", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)


def read(folder):
    path = Path(folder, NAME)
    if not Path(folder).is_dir():
        raise BackupError(f"{folder}: there is no such folder")
    if not path.exists():
        raise BackupError(f"{folder}: no {NAME}, so not a whole backup (was it interrupted?)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise BackupError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a backup manifest of format {FORMAT}")
    return manifest


def file_sha256(path):
    with open(path, "rb") as f:
        return checksum(f)


def damaged(folder, manifest):
    """What in the backup's folder differs from its manifest: the dump, then each media file."""
    problems = []
    dump = Path(folder, manifest["database"]["file"])
    if not dump.is_file() or file_sha256(dump) != manifest["database"]["sha256"]:
        problems.append(manifest["database"]["file"])
    media = Path(folder, manifest["media"]["folder"])
    for entry in manifest["media"]["files"]:
        copy = local_path(media, entry["name"])
        if not copy.is_file() or file_sha256(copy) != entry["sha256"]:
            problems.append(f"{manifest['media']['folder']}/{entry['name']}")
    return problems
