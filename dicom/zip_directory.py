"""The checks on a zip's directory (the "central directory", APPNOTE.TXT 4.3.12), made on every
entry before any member is read.

Pure Python, no Django. Each check raises an ArchiveError naming the entry at fault: paths that
would escape a folder ("zip slip"), links and special files, passwords, compression methods other
than stored and Deflate, nested zips, duplicate names, entries whose data overlap, sizes that only
a "zip bomb" reaches, and, before zipfile builds an object per entry, more entries than the upload
may hold. zipfile inflates Deflate in bounded steps, but hands a whole chunk of bzip2 or LZMA
input to the decompressor at once, whose output has no bound; real DICOM zips use Deflate anyway.
"""

import itertools
import os
import re
import stat
import struct
import zipfile
from pathlib import Path

from dicom.errors import ArchiveError
from dicom.sizes import MiB, in_units

METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
RATIO_FLOOR = MiB  # below this a file may shrink any amount (a blank image compresses very well)
ENTRIES_PER_FILE = 3  # a directory also lists folders and, from a Mac, a "._" twin of every file
DRIVE = re.compile(r"[A-Za-z]:")


def check_entry_count(name, file, limits):
    """zipfile keeps an object for every entry of a directory it opens: count the entries first,
    so that a small zip listing millions of them is refused before that."""
    most = ENTRIES_PER_FILE * limits.max_files
    if isinstance(file, Path):
        with file.open("rb") as stream:
            return check_entry_count(name, stream, limits)
    if _count_entries(file, most) > most:
        raise ArchiveError(
            "too_many_files",
            f"this zip lists more than {most:,} files and folders; the upload accepts "
            f"{limits.max_files:,} files at most",
            name,
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


def check_overlaps(name, entries):
    """Entries whose data overlap let a small zip unpack the same bytes over and over (the
    "overlapping files" bomb). An entry's data starts at least 30 bytes and its name past its
    header, so the check is a lower bound and never refuses a sound zip."""
    ordered = sorted(entries, key=lambda info: info.header_offset)
    for first, second in itertools.pairwise(ordered):
        first_end = first.header_offset + 30 + len(first.orig_filename) + first.compress_size
        if second.header_offset < first_end:
            raise ArchiveError(
                "zip_bomb",
                f"its data overlaps that of {first.filename}, a trick of 'zip bomb' attacks",
                f"{name}/{second.filename}",
            )


def check_path(name, info):
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
    raise ArchiveError("unsafe_path", reason, name)


def is_folder(info):
    return info.is_dir() or stat.S_ISDIR(info.external_attr >> 16)


def check_member(name, info):
    kind = stat.S_IFMT(info.external_attr >> 16)  # the Unix file type, when a Unix tool zipped it
    if kind == stat.S_IFLNK:
        raise ArchiveError("symlink", "this is a link to another file, not a file", name)
    if kind not in (0, stat.S_IFREG):
        raise ArchiveError("special_file", "this is not an ordinary file", name)
    if info.flag_bits & 0x1:
        raise ArchiveError(
            "encrypted", "this file is protected by a password; please zip it without one", name
        )
    if info.compress_type not in METHODS:
        method = zipfile.compressor_names.get(info.compress_type, f"method {info.compress_type}")
        raise ArchiveError(
            "unsupported_compression",
            f"this file is compressed with {method}, which is not accepted; please zip it again "
            "with the standard (Deflate) compression",
            name,
        )
    if info.filename.lower().endswith(".zip"):
        raise nested_zip(name)


def check_ratio(name, info, limits):
    """A "zip bomb" packs gigabytes of repeated bytes into kilobytes. Images do not shrink anywhere
    near max_ratio-fold (a CT slice about 2 to 3-fold)."""
    packed = max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * packed:
        raise ArchiveError(
            "zip_bomb",
            f"this file would grow {info.file_size // packed:,}-fold when unpacked "
            f"({in_units(packed)} to {in_units(info.file_size)}), the mark of a 'zip bomb' attack",
            name,
        )


def check_unique(name, info, seen):
    key = "/".join(part for part in info.filename.split("/") if part not in ("", "."))
    if key in seen:
        raise ArchiveError(
            "duplicate_name", "the zip holds two files of this name: which one is meant?", name
        )
    seen.add(key)


def nested_zip(name):
    base = name.rsplit("/", 1)[-1]
    return ArchiveError(
        "nested_zip",
        f"nested zip archives are not accepted; unzip {base} first and upload what it holds",
        name,
    )
