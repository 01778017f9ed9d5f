"""The walk over a DICOM file's element structure (PS3.5 chapter 7), before pydicom parses it.

pydicom trusts what a file says about itself: a length that claims gigabytes, sequences nested
deeper than Python recurses, a deflated data set (PS3.5 A.5) that inflates to gigabytes. This walk
reads the element headers only, explicit and implicit VR as pydicom does (PS3.5 7.1.2-3), and
refuses with a DicomError any length that runs past the bytes that remain or past its enclosing
item, nesting deeper than ReadLimits.max_sequence_depth, more than ReadLimits.max_elements
elements, and a deflated data set that inflates past ReadLimits.max_inflated_bytes. It keeps no
values: dicom.reading hands pydicom the file once the walk has passed it.
"""

import struct
import zlib
from dataclasses import dataclass

from pydicom.datadict import dictionary_description, dictionary_VR
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32, VR

from dicom.errors import DicomError, refusing
from dicom.sizes import MiB, in_mib

ITEM, ITEM_END, SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF  # an undefined length: a delimiter ends the value (PS3.5 7.5)
_KNOWN_VRS = {vr.value.encode() for vr in VR if len(vr.value) == 2}
_LONG_VRS = {vr.value.encode() for vr in EXPLICIT_VR_LENGTH_32}  # with a 4-byte length (7.1.2)


@dataclass(frozen=True)
class Layout:
    """Where the parts of a file are, as the walk found them."""

    meta_start: int  # 132 after a preamble and "DICM", else 0
    meta_end: int  # where the data set starts
    inflated: bytes | None  # the data set of a deflated file, inflated


def walk_file(data, limits):
    """Walk a whole file, preamble and file meta included, within `limits` (a ReadLimits);
    say where its parts are. DicomError at the first thing that would mislead pydicom."""
    meta_start = 132 if data[128:132] == b"DICM" else 0
    walker = _Walker(_Bytes(data), limits)
    meta_end, syntax = walker.walk_file_meta(meta_start)
    if syntax != DeflatedExplicitVRLittleEndian:
        walker.walk(meta_end, _little_endian(data, meta_end, syntax))
        return Layout(meta_start, meta_end, None)
    inflating = _Inflating(memoryview(data)[meta_end:], limits.max_inflated_bytes)
    _Walker(inflating, limits, count=walker.count).walk(0, little=True)
    return Layout(meta_start, meta_end, inflating.finish())


def _little_endian(data, pos, syntax):
    """The byte order of the data set. Without a transfer syntax, guess as pydicom does: an
    explicit VR with a group that reads as 1024 or more is big endian (group 0x0400 and up)."""
    if syntax is not None:
        return syntax != ExplicitVRBigEndian
    if len(data) < pos + 6 or data[pos + 4 : pos + 6] not in _KNOWN_VRS:
        return True
    return struct.unpack("<H", data[pos : pos + 2])[0] < 1024


class _Bytes:
    """The file's own bytes, as the walk reads them."""

    def __init__(self, data):
        self.data = data

    def has(self, end):
        return end <= len(self.data)


class _Inflating:
    """A deflated data set (PS3.5 A.5), inflated only as far as the walk has read and never past
    `limit`: a few kilobytes can inflate to gigabytes. pydicom would inflate it all at once."""

    def __init__(self, deflated, limit):
        self.data = bytearray()
        self._limit = limit
        self._tail = deflated
        self._stream = zlib.decompressobj(-zlib.MAX_WBITS)

    def has(self, end):
        if end > self._limit:
            if not self._tail:  # the stream has ended within the limit
                return False
            raise DicomError(
                "too_large",
                f"its deflated data set inflates to more than the {in_mib(self._limit)} allowed",
            )
        while len(self.data) < end and self._tail:
            self._inflate(max(end - len(self.data), MiB))
        return end <= len(self.data)

    def _inflate(self, size):
        size = min(size, self._limit - len(self.data))
        with refusing("corrupt", "the file is damaged: its deflated data set can't be inflated"):
            self.data += self._stream.decompress(self._tail, size)
        self._tail = self._stream.unconsumed_tail
        if self._stream.eof:
            self._tail = b""

    def finish(self):
        if not self._stream.eof:
            raise DicomError("truncated", "the file is truncated: its deflated data set ends early")
        return bytes(self.data)


@dataclass
class _Level:
    """What the walk is inside: a data set, a sequence of items, or encapsulated pixel data."""

    kind: str  # "data set", "sequence" or "fragments"
    end: int | None  # where its defined length ends it; None when a delimiter does
    limit: int | None  # the nearest end, its own or an enclosing one
    implicit: bool | None  # implicit VR? None until its first element shows it
    little: bool

    @property
    def endian(self):
        return "<" if self.little else ">"


class _Walker:
    """Walks the elements of a file without keeping their values, checking what pydicom
    trusts: that each length fits in the bytes that remain, that sequences don't nest deeper
    than the limit (pydicom recurses into them), and that there aren't too many elements. It
    reads explicit and implicit VR as pydicom does, element by element (PS3.5 7.1.2-3)."""

    def __init__(self, source, limits, count=0):
        self.source = source
        self.limits = limits
        self.count = count
        self.levels = []

    def walk_file_meta(self, pos):
        """Walk group 0002, the File Meta Information (PS3.10 7.1); return where it ends and
        its Transfer Syntax UID."""
        self.levels = [_Level("data set", None, None, None, little=True)]
        syntax = None
        while self.source.has(pos + 8) and self.source.data[pos : pos + 2] == b"\x02\x00":
            head = self._head(pos, 8)
            self.levels[0].implicit = not _looks_like_vr(head[4:6])
            _, size, length = self._element_header(pos, head, self.levels[0])
            tag = _tag(head, self.levels[0])
            end = self._value_end(pos + size, length, tag)
            if tag == 0x00020010:  # Transfer Syntax UID
                value = bytes(self.source.data[pos + size : end])
                syntax = UID(value.decode("latin-1").strip("\0 "))
            pos = end
        return pos, syntax

    def walk(self, pos, little):
        """Walk the data set from pos to the end of the source."""
        self.levels = [_Level("data set", None, None, None, little)]
        steps = {"data set": self._element, "sequence": self._item, "fragments": self._fragment}
        while True:
            level = self.levels[-1]
            if level.end is not None and pos >= level.end:
                if pos > level.end:  # undefined lengths inside ran past a defined one
                    raise DicomError("corrupt", "the file is damaged: a sequence overruns its item")
                self._pop()
            elif len(self.levels) == 1 and not self.source.has(pos + 1):
                return
            else:
                pos = steps[level.kind](pos, level)

    def _element(self, pos, level):
        head = self._head(pos, 8)
        tag = _tag(head, level)
        if tag == ITEM_END:
            return self._end_of_item(pos, level)
        if level.implicit is None:  # pydicom tells implicit from explicit VR by the first element
            level.implicit = not _looks_like_vr(head[4:6])
        vr, size, length = self._element_header(pos, head, level)
        if length == UNDEFINED:
            self._open_undefined(pos + size, tag, vr, level)
            return pos + size
        end = self._value_end(pos + size, length, tag)
        if length and _is_sequence(tag, vr):
            self._push("sequence", end, _items_implicit(vr, level), level.little)
            return pos + size  # walk into its items
        return end

    def _item(self, pos, level):
        head = self._head(pos, 8)
        tag, length = _tag(head, level), struct.unpack(level.endian + "L", head[4:])[0]
        self._count()
        if tag == SEQUENCE_END and level.end is None:
            self._pop()
            return pos + 8
        if tag != ITEM:
            raise DicomError("corrupt", f"the file is damaged: a sequence holds {_name(tag)}")
        end = None if length == UNDEFINED else self._value_end(pos + 8, length, tag)
        self._push("data set", end, level.implicit, level.little)
        return pos + 8

    def _fragment(self, pos, level):
        """Encapsulated pixel data (PS3.5 A.4): items of compressed bytes, then a delimiter."""
        head = self._head(pos, 8)
        tag, length = _tag(head, level), struct.unpack(level.endian + "L", head[4:])[0]
        self._count()
        if tag == SEQUENCE_END:
            self._pop()
            return pos + 8
        if tag != ITEM or length == UNDEFINED:
            raise DicomError("corrupt", "the file is damaged: its compressed pixel data is garbled")
        return self._value_end(pos + 8, length, tag)

    def _end_of_item(self, pos, level):
        if len(self.levels) == 1 or level.end is not None:
            raise DicomError("corrupt", "the file is damaged: an item ends where none began")
        self._pop()
        return pos + 8

    def _element_header(self, pos, head, level):
        """(VR or None, header size, value length) of the element at pos."""
        self._count()
        if level.implicit:
            return None, 8, struct.unpack(level.endian + "L", head[4:])[0]
        vr = head[4:6]
        if vr in _LONG_VRS:
            return vr, 12, struct.unpack(level.endian + "L", self._head(pos + 8, 4))[0]
        if vr in _KNOWN_VRS or b"AA" <= vr <= b"ZZ":
            return vr, 8, struct.unpack(level.endian + "H", head[6:])[0]
        # Not a VR: the writer slipped into implicit VR here, and pydicom reads it so.
        return None, 8, struct.unpack(level.endian + "L", head[4:])[0]

    def _open_undefined(self, pos, tag, vr, level):
        """A value of undefined length is a sequence, or encapsulated pixel data (PS3.5 7.5)."""
        if vr in (b"SQ", b"UN") or vr is None and self._holds_items(pos, tag, level):
            self._push("sequence", None, _items_implicit(vr, level), level.little)
        else:
            self._push("fragments", None, None, level.little)

    def _holds_items(self, pos, tag, level):
        """Implicit VR, undefined length: a sequence if the dictionary says so, or, for a tag it
        doesn't know, if an item follows (pydicom looks ahead the same way)."""
        vr = _dictionary_vr(tag)
        return vr == "SQ" if vr is not None else _tag(self._head(pos, 4), level) == ITEM

    def _value_end(self, start, length, tag):
        end = start + length
        limit = self.levels[-1].limit
        claim = f"{_name(tag)} claims {length:,} bytes"
        if limit is not None and end > limit:
            holder = "the sequence or item around it holds"
            raise DicomError("corrupt", f"the file is damaged: {claim}, more than {holder}")
        if not self.source.has(end):
            problem = f"the file is truncated or damaged: {claim}"
            raise DicomError("truncated", f"{problem}, past the end of the file")
        return end

    def _head(self, pos, size):
        limit = self.levels[-1].limit
        if limit is not None and pos + size > limit:
            raise DicomError("corrupt", "the file is damaged: an element overruns its item")
        if not self.source.has(pos + size):
            raise DicomError("truncated", "the file is truncated: it ends inside an element")
        return bytes(self.source.data[pos : pos + size])

    def _push(self, kind, end, implicit, little):
        limit = end if end is not None else self.levels[-1].limit
        self.levels.append(_Level(kind, end, limit, implicit, little))
        depth = sum(level.kind == "sequence" for level in self.levels)
        if depth > self.limits.max_sequence_depth:
            raise DicomError(
                "too_deep",
                f"the file nests sequences more than {self.limits.max_sequence_depth} deep",
            )

    def _pop(self):
        self.levels.pop()

    def _count(self):
        self.count += 1
        if self.count > self.limits.max_elements:
            count = f"more than {self.limits.max_elements:,} DICOM elements"
            raise DicomError("too_many_elements", f"the file holds {count}")


def _tag(head, level):
    group, element = struct.unpack(level.endian + "HH", head[:4])
    return group << 16 | element


def _looks_like_vr(two_bytes):
    return all(0x40 < byte < 0x5B for byte in two_bytes)


def _is_sequence(tag, vr):
    """Whether pydicom will parse a value of defined length as a sequence: an SQ, or an element
    without a VR (implicit VR, or UN) that the dictionary knows as one."""
    return vr == b"SQ" or vr in (None, b"UN") and _dictionary_vr(tag) == "SQ"


def _items_implicit(vr, level):
    """A sequence's items are implicit VR inside an implicit data set or a UN element (PS3.5
    6.2.2); otherwise each item's first element tells."""
    return True if level.implicit or vr in (None, b"UN") else None


def _dictionary_vr(tag):
    try:
        return dictionary_VR(tag)
    except KeyError:
        return None


def _name(tag):
    group, element = tag >> 16, tag & 0xFFFF
    try:
        return f"({group:04X},{element:04X}) {dictionary_description(tag)}"
    except KeyError:
        return f"element ({group:04X},{element:04X})"

