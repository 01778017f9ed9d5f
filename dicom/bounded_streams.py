"""Streams over an upload's files that read them within bounds: a zip member held to the size
its zip's directory declares, and an uploaded stream with a position of its own.

Pure Python, no Django. A zip may lie about what a member holds (its size, even a forged
checksum): MemberReader's docstring says how a lie is caught while memory stays bounded.
Either lie is an ArchiveError naming the member.
"""

import copy
import io
import zipfile
import zlib

from dicom.errors import ArchiveError

CHUNK = 64 * 1024


def open_member(archive, info, name):
    return io.BufferedReader(MemberReader(archive, info, name), CHUNK)


class _Positioned(io.RawIOBase):
    """A readable, seekable raw stream that keeps its own position in _position."""

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._position


class MemberReader(_Positioned):
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
                "size_mismatch",
                f"the zip says this file holds {declared:,} bytes but it holds more; "
                "the zip is damaged or forged",
                self.name,
            )
        if not data and self._position < declared:
            raise ArchiveError(
                "size_mismatch",
                f"the zip says this file holds {declared:,} bytes but it ends after "
                f"{self._position:,}; the zip is damaged",
                self.name,
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
    return ArchiveError("corrupt_zip", f"this file is damaged inside its zip ({error})", name)


def open_slice(stream, size):
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
