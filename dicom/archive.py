"""Turn an upload (files, zips, or a folder on disk) into the files to ingest, without trusting it.

Pure Python, no Django. `expand` takes the uploaded files and yields one `Member` per file to read,
with each zip opened in place: zips are recognised by their first bytes, never by their name, and
nothing is ever extracted to disk. `walk_folder` does the same for a folder tree (import_study).

An upload is hostile until checked, so the whole of it is checked before the first member is
yielded: how many files it holds and how big they say they are (ArchiveLimits), and every entry
that each zip's directory lists (dicom.zip_directory). Reading a member can still fail, because
a zip may lie about what a file holds: see dicom.bounded_streams.MemberReader.
"""

import functools
import os
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dicom.bounded_streams import MemberReader, open_member, open_slice
from dicom.errors import ArchiveError
from dicom.sizes import MiB, in_units
from dicom.zip_directory import (
    check_entry_count,
    check_member,
    check_overlaps,
    check_path,
    check_ratio,
    check_unique,
    is_folder,
    nested_zip,
)

# Callers catch ArchiveError from here, where it was defined before it joined dicom.errors.
__all__ = ["ArchiveError", "ArchiveLimits", "Member", "expand", "is_zip", "walk_folder"]

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a first file's header; the end record of an empty zip
JUNK_FOLDERS = {"__MACOSX"}
JUNK_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class ArchiveLimits:
    max_files: int = 5000  # files in one upload, the files inside zips counted
    max_file_bytes: int = 512 * MiB  # one file, or one file inside a zip once unpacked
    max_total_bytes: int = 4096 * MiB  # the whole upload once unpacked
    max_ratio: int = 200  # unpacked/packed size of a zip member (above RATIO_FLOOR): a bomb


@dataclass
class Member:
    """One file to ingest. open() returns a fresh, seekable, read-only binary stream each time."""

    name: str  # for messages: "study.zip/series1/IM0001"
    open: Callable[[], BinaryIO]
    size: int  # as measured, or as its zip declares it (which reading then holds it to)


def expand(
    sources: Iterable[tuple[str, "BinaryIO | str | os.PathLike"]],
    limits: ArchiveLimits = ArchiveLimits(),
) -> Iterator[Member]:
    """The files of an upload, given as (name, stream or path) pairs, with zips opened.

    Everything is checked on the first next(), which raises ArchiveError if anything is refused.
    Reading a member's stream raises ArchiveError if its zip turns out damaged or forged. A stream
    must stay open, and a zip unchanged, for as long as its members are read.
    """
    budget = _Budget(limits)
    members = [
        member
        for name, source in sources
        if not _is_junk(name)
        for member in _members(name, source, budget)
    ]
    yield from members


def walk_folder(
    path: "str | os.PathLike", limits: ArchiveLimits = ArchiveLimits()
) -> Iterator[Member]:
    """The files of a folder tree (or of one file, or one zip), as expand() gives them.

    Names start with the folder's own name; the walk is sorted. Hidden files, junk and symbolic
    links are skipped: a link could lead anywhere on the server. Zips are found by their content.
    """
    root = Path(path)
    if not root.exists():
        raise ArchiveError("not_found", "there is no file or folder here", str(path))
    name = os.path.basename(os.path.abspath(root)) or str(root)  # "." has a name too
    yield from expand(_files_under(root, name), limits)


def is_zip(stream: BinaryIO) -> bool:
    """Whether a stream holds a zip, judged by its first bytes; its position is kept."""
    where = stream.tell()
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(where)
    return magic in ZIP_MAGIC


class _Budget:
    """How much of the upload's limits the files met so far have used."""

    def __init__(self, limits):
        self.limits = limits
        self.files = 0
        self.bytes = 0

    def take(self, name, size):
        limits = self.limits
        self.files += 1
        if self.files > limits.max_files:
            raise ArchiveError(
                "too_many_files",
                f"the upload holds more than {limits.max_files:,} files (counting the files "
                "inside zips); please send it in parts",
                name,
            )
        if size > limits.max_file_bytes:
            raise ArchiveError(
                "file_too_large",
                f"this file is {in_units(size)} unpacked; the largest accepted is "
                f"{in_units(limits.max_file_bytes)}",
                name,
            )
        self.bytes += size
        if self.bytes > limits.max_total_bytes:
            raise ArchiveError(
                "total_too_large",
                f"with this file the upload unpacks to more than "
                f"{in_units(limits.max_total_bytes)}; please send it in parts",
                name,
            )


def _members(name, source, budget):
    if isinstance(source, (str, os.PathLike)):
        return _path_members(name, Path(source), budget)
    if is_zip(source):
        return _zip_members(name, source, budget)
    size = _length(source)
    budget.take(name, size)
    return [Member(name, functools.partial(open_slice, source, size), size)]


def _path_members(name, path, budget):
    with path.open("rb") as file:
        zipped = is_zip(file)
    if zipped:
        return _zip_members(name, path, budget)
    size = path.stat().st_size
    budget.take(name, size)
    return [Member(name, functools.partial(path.open, "rb"), size)]


def _files_under(path, name):
    if not path.is_dir():
        yield name, path
        return
    with os.scandir(path) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.name.startswith(".") or _is_junk(entry.name) or entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _files_under(Path(entry.path), f"{name}/{entry.name}")
        elif entry.is_file(follow_symlinks=False):  # not a device, socket or pipe
            yield f"{name}/{entry.name}", Path(entry.path)


def _is_junk(name):
    """Files that systems leave beside real ones: macOS resource forks and folder settings,
    Windows thumbnail caches."""
    parts = name.split("/")
    base = parts[-1]
    return base in JUNK_FILES or base.startswith("._") or not JUNK_FOLDERS.isdisjoint(parts)


# --- zips ----------------------------------------------------------------------------------------


def _zip_members(name, file, budget):
    check_entry_count(name, file, budget.limits)
    archive = _open_zip(name, file)
    entries = archive.infolist()
    check_overlaps(name, entries)
    seen = set()
    kept = [info for info in entries if _is_wanted(name, info, seen, budget)]
    members = []
    for info in kept:  # read only now that the whole directory is known to be sane
        member_name = f"{name}/{info.filename}"
        _refuse_nested_zip(archive, info, member_name)
        opener = functools.partial(open_member, archive, info, member_name)
        members.append(Member(member_name, opener, info.file_size))
    return members


def _is_wanted(zip_name, info, seen, budget):
    """Whether an entry is a file to ingest; raises ArchiveError if it is refused."""
    name = f"{zip_name}/{info.filename}"
    check_path(name, info)
    if is_folder(info) or _is_junk(info.filename):
        return False
    check_member(name, info)
    check_unique(name, info, seen)
    budget.take(name, info.file_size)
    check_ratio(name, info, budget.limits)
    return True


def _open_zip(name, file):
    try:
        return zipfile.ZipFile(file)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError, struct.error) as error:
        raise ArchiveError(
            "corrupt_zip", f"this zip is damaged and cannot be opened ({error})", name
        ) from error


def _refuse_nested_zip(archive, info, name):
    with MemberReader(archive, info, name) as stream:  # unbuffered: inflates little
        if stream.read(4) in ZIP_MAGIC:
            raise nested_zip(name)


def _length(stream):
    stream.seek(0, os.SEEK_END)
    length = stream.tell()
    stream.seek(0)
    return length
