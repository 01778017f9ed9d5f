"""Turn an upload (files, zips, or a folder on disk) into the files to ingest, without trusting it.

Pure Python, no Django. `expand` takes the uploaded files and yields one `Member` per file to read,
with each zip opened in place: zips are recognised by their first bytes, never by their name, and
nothing is ever extracted to disk. `walk_folder` does the same for a folder tree (import_study).

An upload is hostile until checked, so the whole of it is checked before the first member is
yielded: how many files it holds and how big they say they are (ArchiveLimits), and every entry
that each zip's directory lists (the "central directory", APPNOTE.TXT 4.3.12): paths that would
escape a folder, links, passwords, compression methods, nested zips, duplicate names, entries whose
data overlap, and sizes that only a "zip bomb" reaches. Reading a member can still fail, because
a zip may lie about what a file holds: see _MemberReader.

Only stored and Deflate members are accepted. zipfile inflates Deflate in bounded steps, but hands
a whole chunk of bzip2 or LZMA input to the decompressor at once, whose output has no bound; real
DICOM zips use Deflate anyway.
"""

import copy
import functools
import io
import itertools
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MiB = 2**20
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a first file's header; the end record of an empty zip
JUNK_FOLDERS = {"__MACOSX"}
JUNK_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
RATIO_FLOOR = MiB  # below this a file may shrink any amount (a blank image compresses very well)
ENTRIES_PER_FILE = 3  # a directory also lists folders and, from a Mac, a "._" twin of every file
CHUNK = 64 * 1024
DRIVE = re.compile(r"[A-Za-z]:")


class ArchiveError(ValueError):
    """A refused upload. str() is "<file>: <reason>", in words for the person who sent it.

    `code` is a slug for forms and tests; `name` is the file or zip member at fault, as in
    Member.name; `reason` is the message without the name, for callers that add it themselves.
    """

    def __init__(self, name, code, reason):
        super().__init__(name, code, reason)  # all three in args, so it pickles across processes
        self.name, self.code, self.reason = name, code, reason

    def __str__(self):
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True)
class ArchiveLimits:
    max_files: int = 5000  # files in one upload, the files inside zips counted
    max_file_bytes: int = 512 * MiB  # one file, or one file inside a zip once unpacked
    max_total_bytes: int = 4096 * MiB  # the whole upload once unpacked
    max_ratio: int = 200  # unpacked/packed size of a file in a zip (above RATIO_FLOOR): a bomb


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
        raise ArchiveError(str(path), "not_found", "there is no file or folder here")
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
                name,
                "too_many_files",
                f"the upload holds more than {limits.max_files:,} files (counting the files "
                "inside zips); please send it in parts",
            )
        if size > limits.max_file_bytes:
            raise ArchiveError(
                name,
                "file_too_large",
                f"this file is {_size(size)} unpacked; the largest accepted is "
                f"{_size(limits.max_file_bytes)}",
            )
        self.bytes += size
        if self.bytes > limits.max_total_bytes:
            raise ArchiveError(
                name,
                "total_too_large",
                f"with this file the upload unpacks to more than {_size(limits.max_total_bytes)}; "
                "please send it in parts",
            )


def _members(name, source, budget):
    if isinstance(source, (str, os.PathLike)):
        return _path_members(name, Path(source), budget)
    if is_zip(source):
        return _zip_members(name, source, budget)
    size = _length(source)
    budget.take(name, size)
    return [Member(name, functools.partial(_open_slice, source, size), size)]


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
    _check_entry_count(name, file, budget.limits)
    archive = _open_zip(name, file)
    entries = archive.infolist()
    _check_overlaps(name, entries)
    seen = set()
    kept = [info for info in entries if _is_wanted(name, info, seen, budget)]
    members = []
    for info in kept:  # read only now that the whole directory is known to be sane
        member_name = f"{name}/{info.filename}"
        _refuse_nested_zip(archive, info, member_name)
        opener = functools.partial(_open_member, archive, info, member_name)
        members.append(Member(member_name, opener, info.file_size))
    return members


def _is_wanted(zip_name, info, seen, budget):
    """Whether an entry is a file to ingest; raises ArchiveError if it is refused."""
    name = f"{zip_name}/{info.filename}"
    _check_path(name, info)
    if _is_folder(info) or _is_junk(info.filename):
        return False
    _check_member(name, info)
    _check_unique(name, info, seen)
    budget.take(name, info.file_size)
    _check_ratio(name, info, budget.limits)
    return True


def _open_zip(name, file):
    try:
        return zipfile.ZipFile(file)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError, struct.error) as error:
        raise ArchiveError(
            name, "corrupt_zip", f"this zip is damaged and cannot be opened ({error})"
        ) from error


def _check_entry_count(name, file, limits):
    """zipfile keeps an object for every entry of a directory it opens: count the entries first,
    so that a small zip listing millions of them is refused before that."""
    most = ENTRIES_PER_FILE * limits.max_files
    if isinstance(file, Path):
        with file.open("rb") as stream:
            return _check_entry_count(name, stream, limits)
    if _count_entries(file, most) > most:
        raise ArchiveError(
            name,
            "too_many_files",
            f"this zip lists more than {most:,} files and folders; the upload accepts "
            f"{limits.max_files:,} files at most",
        )


def _count_entries(stream, most):
    """The number of directory entries, counted no further than most + 1 (0 when the directory
    cannot be found: zipfile then reports the damage)."""
    directory = _directory_span(stream)
    if directory is None:
        return 0
    at, end = directory
    count = 0
    while at + 46 <= end and count <= most:  # a directory entry: 46 bytes, then 3 variable fields
        stream.seek(at)
        header = stream.read(46)
        if len(header) < 46 or header[:4] != b"PK\x01\x02":
            break
        at += 46 + sum(struct.unpack_from("<3H", header, 28))
        count += 1
    return count


def _directory_span(stream):
    """Where the central directory starts and ends, found the way zipfile finds it: before the
    end record (APPNOTE 4.3.16) or, in a ZIP64 zip, before the record that precedes its locator
    (4.3.14-15)."""
    end = _end_record(stream)
    if end is None:
        return None
    stream.seek(end + 12)
    (size,) = struct.unpack("<I", stream.read(4))
    if end >= 76:
        stream.seek(end - 76)
        record = stream.read(76)  # ZIP64 end record (56 bytes), then its locator (20)
        if record[:4] == b"PK\x06\x06" and record[56:60] == b"PK\x06\x07":
            (size,) = struct.unpack_from("<Q", record, 40)
            end -= 76
    return max(0, end - size), end


def _end_record(stream):
    """The offset of the end record: the last 22 bytes when the zip has no comment, else the
    last signature within a comment's reach of the end."""
    stream.seek(0, os.SEEK_END)
    length = stream.tell()
    if length >= 22:
        stream.seek(length - 22)
        last = stream.read(22)
        if last[:4] == b"PK\x05\x06" and last[-2:] == b"\0\0":
            return length - 22
    start = max(0, length - (1 << 16) - 22)
    stream.seek(start)
    at = stream.read().rfind(b"PK\x05\x06")
    return start + at if at >= 0 and length - (start + at) >= 22 else None


def _check_overlaps(name, entries):
    """Entries whose data overlap let a small zip unpack the same bytes over and over (the
    "overlapping files" bomb). An entry's data starts at least 30 bytes and its name past its
    header, so the check is a lower bound and never refuses a sound zip."""
    ordered = sorted(entries, key=lambda info: info.header_offset)
    for first, second in itertools.pairwise(ordered):
        first_end = first.header_offset + 30 + len(first.orig_filename) + first.compress_size
        if second.header_offset < first_end:
            raise ArchiveError(
                f"{name}/{second.filename}",
                "zip_bomb",
                f"its data overlaps that of {first.filename}, a trick of 'zip bomb' attacks",
            )


def _check_path(name, info):
    """Refuse paths that would land outside the folder if the zip were ever extracted ("zip
    slip"), even though we extract nothing: a zip that tries it is not a study."""
    path = info.orig_filename
    if "\\" in path:
        reason = "its path uses backslashes (\\), which can reach other folders"
    elif path.startswith("/") or DRIVE.match(path):
        reason = "its path is absolute: it starts at the top of a disk"
    elif ".." in path.split("/"):
        reason = "its path climbs out of the zip's folder (..)"
    elif "\x00" in path:
        reason = "its name holds a hidden character (NUL)"
    else:
        return
    raise ArchiveError(name, "unsafe_path", reason)


def _is_folder(info):
    return info.is_dir() or stat.S_ISDIR(info.external_attr >> 16)


def _check_member(name, info):
    kind = stat.S_IFMT(info.external_attr >> 16)  # the Unix file type, when a Unix tool zipped it
    if kind == stat.S_IFLNK:
        raise ArchiveError(name, "symlink", "this is a link to another file, not a file")
    if kind not in (0, stat.S_IFREG):
        raise ArchiveError(name, "special_file", "this is not an ordinary file")
    if info.flag_bits & 0x1:
        raise ArchiveError(
            name, "encrypted", "this file is protected by a password; please zip it without one"
        )
    if info.compress_type not in METHODS:
        method = zipfile.compressor_names.get(info.compress_type, f"method {info.compress_type}")
        raise ArchiveError(
            name,
            "unsupported_compression",
            f"this file is compressed with {method}, which is not accepted; please zip it again "
            "with the standard (Deflate) compression",
        )
    if info.filename.lower().endswith(".zip"):
        raise _nested_zip(name)


def _check_ratio(name, info, limits):
    """A "zip bomb" packs gigabytes of repeated bytes into kilobytes. Images do not shrink anywhere
    near max_ratio-fold (a CT slice about 2 to 3-fold)."""
    packed = max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * packed:
        raise ArchiveError(
            name,
            "zip_bomb",
            f"this file would grow {info.file_size // packed:,}-fold when unpacked "
            f"({_size(packed)} to {_size(info.file_size)}), the mark of a 'zip bomb' attack",
        )


def _check_unique(name, info, seen):
    key = "/".join(part for part in info.filename.split("/") if part not in ("", "."))
    if key in seen:
        raise ArchiveError(
            name, "duplicate_name", "the zip holds two files of this name: which one is meant?"
        )
    seen.add(key)


def _refuse_nested_zip(archive, info, name):
    with _MemberReader(archive, info, name) as stream:  # unbuffered: inflates little
        if stream.read(4) in ZIP_MAGIC:
            raise _nested_zip(name)


def _nested_zip(name):
    base = name.rsplit("/", 1)[-1]
    return ArchiveError(
        name,
        "nested_zip",
        f"nested zip archives are not accepted; unzip {base} first and upload what it holds",
    )


def _open_member(archive, info, name):
    return io.BufferedReader(_MemberReader(archive, info, name), CHUNK)


class _Positioned(io.RawIOBase):
    """A readable, seekable raw stream that keeps its own position in _position."""

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._position


class _MemberReader(_Positioned):
    """A zip member as a stream that holds it to the size the zip's directory declares.

    zipfile trusts that size: it stops inflating there, and when the checksum was forged to match,
    hands over the cut data as if whole. This reader asks zipfile for one byte more and refuses
    the member if that byte comes, or if the data ends early. zipfile inflates in steps the size
    of each read, so memory stays bounded whatever the member truly unpacks to.
    """

    def __init__(self, archive, info, name):
        super().__init__()
        self.name = name
        self._archive, self._info = archive, info
        self._inner = None
        self._rewind()

    def readinto(self, buffer):
        declared = self._info.file_size
        wanted = max(0, min(len(buffer), declared + 1 - self._position))
        if not wanted:
            return 0
        data = self._read(wanted)
        if self._position + len(data) > declared:
            raise ArchiveError(
                self.name,
                "size_mismatch",
                f"the zip says this file holds {declared:,} bytes but it holds more; "
                "the zip is damaged or forged",
            )
        if not data and self._position < declared:
            raise ArchiveError(
                self.name,
                "size_mismatch",
                f"the zip says this file holds {declared:,} bytes but it ends after "
                f"{self._position:,}; the zip is damaged",
            )
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        """Seeking back starts inflating afresh; seeking on reads (and checks) what it skips."""
        origin = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._info.file_size}
        target = origin[whence] + offset
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target < self._position:
            self._rewind()
        skip = bytearray(CHUNK)
        while self._position < target:
            if not self.readinto(memoryview(skip)[: target - self._position]):
                break
        self._position = max(self._position, target)  # past the end, as files allow
        return self._position

    def close(self):
        if self._inner is not None:
            self._inner.close()
        super().close()

    def _rewind(self):
        if self._inner is not None:
            self._inner.close()
        probe = copy.copy(self._info)
        probe.file_size += 1  # let zipfile inflate one byte past the declared end, to see it
        try:
            self._inner = self._archive.open(probe)
        except (zipfile.BadZipFile, EOFError, NotImplementedError, UnicodeDecodeError) as error:
            raise _damaged(self.name, error) from error
        self._position = 0

    def _read(self, count):
        try:
            return self._inner.read(count)
        except (zipfile.BadZipFile, EOFError, zlib.error) as error:
            raise _damaged(self.name, error) from error


def _damaged(name, error):
    return ArchiveError(name, "corrupt_zip", f"this file is damaged inside its zip ({error})")


# --- plain files ---------------------------------------------------------------------------------


def _open_slice(stream, size):
    return io.BufferedReader(_Slice(stream, size), CHUNK)


class _Slice(_Positioned):
    """An uploaded stream as measured, with a position of its own, so that each Member.open()
    starts afresh and closing what it returned leaves the upload open."""

    def __init__(self, stream, size):
        super().__init__()
        self.name = getattr(stream, "name", None)
        self._stream, self._size, self._position = stream, size, 0

    def readinto(self, buffer):
        self._stream.seek(self._position)
        data = self._stream.read(max(0, min(len(buffer), self._size - self._position)))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        origin = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}
        target = origin[whence] + offset
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        self._position = target
        return target


def _length(stream):
    stream.seek(0, os.SEEK_END)
    length = stream.tell()
    stream.seek(0)
    return length


def _size(count):
    """A byte count as a file browser shows it."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if count >= scale:
            return f"{round(count / scale, 1):g} {unit}"
    return f"{count:,} bytes"
