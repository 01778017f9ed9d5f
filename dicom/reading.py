"""Read untrusted bytes as DICOM safely, and check that what they hold is an image we can show.

Pure functions on bytes and pydicom datasets, no Django. What a dataset shows (its frames,
geometry and pictures) is dicom.frames's business.

Reading trusts nothing in an upload. read_dataset() first looks at the bytes: an empty file, or
one that is really a web page, a PDF or a picture, is named as such. Then, before pydicom parses
anything, a walk over the element structure (PS3.5 7.1 and 7.5) checks each length against the
bytes that remain, bounds the nesting of sequences and the number of elements, and inflates a
deflated data set (PS3.5 A.5) only as far as a limit; once parsed, the pixel description is
checked, so that nothing decodes or allocates more than ReadLimits allows. check_image() then
says whether the object is an image at all and whether an installed decoder reads it. Each
compression goes to one chosen decoder (_DECODERS), never to GDCM where another will do: GDCM
kills the process on some damaged headers. Every refusal is a DicomError, with a short code and
a sentence a contributor can act on; no other exception leaves read_dataset or check_image.
"""

import math
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

import pydicom
from pydicom.datadict import dictionary_description, dictionary_VR
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.filereader import read_dataset as read_data_set
from pydicom.pixels.decoders.base import get_decoder
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000TransferSyntaxes,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSTransferSyntaxes,
    RLELossless,
)
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32, VR

GREY = ("MONOCHROME1", "MONOCHROME2")
COLOUR = ("PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT")
MiB = 2**20
GiB = 2**30


class DicomError(ValueError):
    """A file the repository won't take. `code` is a short slug for programs; the message is a
    sentence for the contributor, which the pipeline puts after the file's name."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ReadLimits:
    """What one file may cost. The app builds this from its settings."""

    max_bytes: int = 512 * MiB  # the file as uploaded
    max_frame_pixels: int = 100_000_000  # Rows x Columns
    max_frames: int = 5000
    max_decoded_bytes: int = 2 * GiB  # Rows x Columns x frames x samples x bytes a sample
    max_inflated_bytes: int = 1 * GiB  # a deflated data set (PS3.5 A.5), once inflated
    max_sequence_depth: int = 16  # sequences within sequences
    max_elements: int = 250_000  # elements and items in all: each costs pydicom memory


@contextmanager
def refusing(code, message):
    """Turn any failure inside into DicomError(code, message): pydicom and the decoders raise
    many kinds of exception on hostile bytes (RecursionError among them), and none may escape."""
    try:
        yield
    except (DicomError, KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # a Rust decoder panics with pyo3's PanicException
        raise DicomError(code, message) from error


# --- Reading ----------------------------------------------------------------------------------


def read_dataset(data, limits=ReadLimits()):
    """The dataset held in `data`, a whole file's bytes; DicomError if it isn't a DICOM file we
    can read within `limits`. Files without the preamble or file meta are read too."""
    _check_file_size(data, limits)
    with refusing("corrupt", "the file is damaged: its DICOM structure can't be read"):
        _check_looks_like_dicom(data)
        dataset = _parse(data, _walk_file(data, limits))
        _settle_transfer_syntax(dataset)
        if "PixelData" in dataset:
            _check_pixel_size(dataset, limits)
    return dataset


def _check_file_size(data, limits):
    if not data:
        raise DicomError("empty", "the file is empty")
    if len(data) > limits.max_bytes:
        size, limit = _mib(len(data)), _mib(limits.max_bytes)
        raise DicomError("too_large", f"the file is {size}, more than the {limit} allowed")


def _mib(size):
    return f"{size / MiB:,.0f} MiB" if size >= MiB else f"{size:,} bytes"


# Files that only pretend to be DICOM, by their first bytes ("magic numbers").
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"%!PS", "PostScript (EPS)"),
    (b"\xc5\xd0\xd3\xc6", "PostScript (EPS)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"GIF8", "a GIF image"),
    (b"\x00\x00\x00\x0cjP  \r\n", "a JPEG 2000 image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_HTML = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<script", b"<div")


def _check_looks_like_dicom(data):
    """A DICOM file has "DICM" after its 128-byte preamble (PS3.10 7.1); a bare data set starts
    with a low even group number. The preamble may hold anything, even another format's header
    (a "polyglot" file), so the marker wins over any resemblance."""
    if data[128:132] == b"DICM" or _starts_like_a_data_set(data):
        return
    kind = _looks_like(data[:1024])
    detail = f"it looks like {kind}" if kind else "it has no DICM marker and no DICOM data set"
    raise DicomError("not_dicom", f"not a DICOM file ({detail})")


def _starts_like_a_data_set(data):
    if len(data) < 8:
        return False
    groups = struct.unpack("<H", data[:2]) + struct.unpack(">H", data[:2])
    return any(group % 2 == 0 and 0x0002 <= group <= 0x0028 for group in groups)


def _looks_like(head):
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    markup = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if markup.startswith(b"<"):
        if b"<svg" in markup:
            return "an SVG image"
        return "HTML" if any(tag in markup for tag in _HTML) else "XML"
    return "plain text" if _is_text(head) else None


def _is_text(head):
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not merely a character cut at the end of the sample
            return False
        text = head[: error.start].decode("utf-8")
    return all(char.isprintable() or char in "\t\r\n\f" for char in text)


# --- The walk over the element structure (PS3.5 chapter 7) --------------------------------------

ITEM, ITEM_END, SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF  # an undefined length: a delimiter ends the value (PS3.5 7.5)
_KNOWN_VRS = {vr.value.encode() for vr in VR if len(vr.value) == 2}
_LONG_VRS = {vr.value.encode() for vr in EXPLICIT_VR_LENGTH_32}  # with a 4-byte length (7.1.2)


@dataclass(frozen=True)
class _Layout:
    """Where the parts of a file are, as the walk found them."""

    meta_start: int  # 132 after a preamble and "DICM", else 0
    meta_end: int  # where the data set starts
    inflated: bytes | None  # the data set of a deflated file, inflated


def _walk_file(data, limits):
    meta_start = 132 if data[128:132] == b"DICM" else 0
    walker = _Walker(_Bytes(data), limits)
    meta_end, syntax = walker.walk_file_meta(meta_start)
    if syntax != DeflatedExplicitVRLittleEndian:
        walker.walk(meta_end, _little_endian(data, meta_end, syntax))
        return _Layout(meta_start, meta_end, None)
    inflating = _Inflating(memoryview(data)[meta_end:], limits.max_inflated_bytes)
    _Walker(inflating, limits, count=walker.count).walk(0, little=True)
    return _Layout(meta_start, meta_end, inflating.finish())


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
                f"its deflated data set inflates to more than the {_mib(self._limit)} allowed",
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


# --- After parsing ------------------------------------------------------------------------------


def _parse(data, layout):
    if layout.inflated is None:
        return pydicom.dcmread(BytesIO(data), force=True)
    # pydicom would inflate the whole data set itself; hand it the one the walk inflated.
    meta = read_data_set(BytesIO(data[layout.meta_start : layout.meta_end]), False, True)
    body = read_data_set(BytesIO(layout.inflated), False, True)
    preamble = data[:128] if layout.meta_start else None
    return FileDataset(BytesIO(), body, preamble, FileMetaDataset(meta), False, True)


def _settle_transfer_syntax(dataset):
    """Without file meta, pydicom infers how the data set is encoded but doesn't say so in
    file_meta, where its pixel decoders look: write it there. Compressed pixel data without a
    transfer syntax can't be decoded: nothing says which codec made it."""
    if "TransferSyntaxUID" in dataset.file_meta:
        return
    if "PixelData" in dataset and dataset["PixelData"].is_undefined_length:
        raise DicomError(
            "no_transfer_syntax",
            "its pixel data is compressed but the file doesn't say how (no Transfer Syntax UID)",
        )
    implicit, little = dataset.original_encoding
    explicit = ExplicitVRLittleEndian if little else ExplicitVRBigEndian
    dataset.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else explicit


def _check_pixel_size(dataset, limits):
    """Refuse pixel data that would decode to more than the limits allow, before anything
    decodes it: compressed data may claim any size until decoded. Native pixel data must also be
    as long as its description says (PS3.5 8.1.1 and 8.2)."""
    rows, columns = whole_number(dataset, "Rows", 0), whole_number(dataset, "Columns", 0)
    frames = max(whole_number(dataset, "NumberOfFrames", 1), 1)  # pydicom reads 0 frames as 1
    samples = whole_number(dataset, "SamplesPerPixel", 1)
    bits = whole_number(dataset, "BitsAllocated", 8)
    if rows * columns > limits.max_frame_pixels:
        size, limit = f"{columns:,} x {rows:,}", f"{limits.max_frame_pixels:,}"
        message = f"its frames are {size} pixels, more than the {limit} allowed"
        raise DicomError("too_large", message)
    if frames > limits.max_frames:
        limit = f"{limits.max_frames:,}"
        raise DicomError("too_large", f"it has {frames:,} frames, more than the {limit} allowed")
    decoded = rows * columns * frames * samples * math.ceil(bits / 8)
    if decoded > limits.max_decoded_bytes:
        size, limit = _mib(decoded), _mib(limits.max_decoded_bytes)
        message = f"its pixels would take {size} decoded, more than the {limit} allowed"
        raise DicomError("too_large", message)
    if rows and columns and "BitsAllocated" in dataset and _is_native(dataset):
        _check_native_length(dataset, rows * columns * frames, samples, bits)


def whole_number(dataset, keyword, default):
    """A count from the pixel description; DicomError if it isn't a whole number >= 0."""
    try:
        value = dataset.get(keyword)
        number = default if value in (None, "") else int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise DicomError("bad_value", f"its {dictionary_description(keyword)} isn't a whole number")
    return number


def _is_native(dataset):
    syntax = dataset.file_meta.get("TransferSyntaxUID")
    if syntax is None or not syntax.is_transfer_syntax or syntax.is_compressed:
        return False
    return not dataset["PixelData"].is_undefined_length


def _check_native_length(dataset, pixels, samples, bits):
    expected = _native_length(dataset, pixels, samples, bits)
    actual = len(dataset.PixelData)
    if expected <= actual <= expected + expected % 2:  # odd lengths get a pad byte (PS3.5 7.1.1)
        return
    depth = f"{samples} x {bits}" if samples > 1 else f"{bits}"
    size = f"{dataset.Columns} x {dataset.Rows} pixels of {depth} bits"
    frames = f" in {frame_count(dataset)} frames" if frame_count(dataset) > 1 else ""
    short = actual < expected
    problem = f"its pixel data is {actual:,} bytes, but {size}{frames} need {expected:,}"
    if short:
        raise DicomError("truncated", f"the file is truncated or damaged: {problem}")
    raise DicomError("corrupt", f"the file is damaged: {problem}")


def _native_length(dataset, pixels, samples, bits):
    if dataset.get("PhotometricInterpretation") == "YBR_FULL_422":
        return pixels * 2 * (bits // 8)  # two pixels share their chrominance (C.7.6.3.1.2)
    if bits == 1:
        return math.ceil(pixels * samples / 8)
    return pixels * samples * (bits // 8)


def frame_count(dataset):
    return int(dataset.get("NumberOfFrames") or 1)


# --- Is it an image we can show? ----------------------------------------------------------------

# What an object is, by words in its SOP Class name; the first match wins and None means "an
# image". Objects not named here that have no pixel data are refused for that reason.
_NOT_IMAGES = (
    ("RT Image", None),
    ("Key Object Selection", "a key object selection (a list of flagged images)"),
    ("SR Storage", "a structured report"),
    ("Procedure Log", "a procedure log (a structured report)"),
    ("Presentation State", "a presentation state (display settings for other images)"),
    ("Waveform", "a waveform (signals such as an ECG)"),
    ("Media Storage Directory", "a DICOMDIR (the index of a disc's files)"),
    ("Raw Data", "raw data"),
    ("Encapsulated", "an encapsulated document"),
    ("Segmentation", "a segmentation"),
    ("RT Dose", "a radiotherapy dose grid"),
    ("RT Structure Set", "a radiotherapy structure set"),
    ("Plan Storage", "a radiotherapy plan"),
    ("RT ", "radiotherapy data"),
    ("Parametric Map", "a parametric map"),
)


def check_image(dataset, limits=ReadLimits()):
    """DicomError unless `dataset` is an image that an installed decoder can read within
    `limits`; the message names what the object is instead."""
    with refusing("corrupt", "the file is damaged: its image description can't be read"):
        _check_is_image(dataset)
        _check_pixel_description(dataset)
        _check_pixel_size(dataset, limits)
        _check_decodable(dataset)


def _check_is_image(dataset):
    sop_class = _sop_class(dataset)
    what = _what_it_is(sop_class, dataset)
    if what:
        name = sop_class.name if sop_class else "this file"
        raise DicomError("not_an_image", f"{name} is {what}, not an image")
    if "PixelData" in dataset:
        return
    if "FloatPixelData" in dataset or "DoubleFloatPixelData" in dataset:
        raise DicomError("not_an_image", "its pixels are floating-point numbers, not an image")
    if sop_class is None:
        raise DicomError("not_dicom", "not a DICOM image: it holds no pixel data and no SOP Class")
    raise DicomError("no_pixels", f"this {sop_class.name} file has no pixel data: no image in it")


def _sop_class(dataset):
    uid = dataset.get("SOPClassUID") or dataset.file_meta.get("MediaStorageSOPClassUID")
    return UID(str(uid)) if uid else None


def _what_it_is(sop_class, dataset):
    if "DirectoryRecordSequence" in dataset:
        return "a DICOMDIR (the index of a disc's files)"
    name = sop_class.name if sop_class else ""
    return next((what for words, what in _NOT_IMAGES if words in name), None)


PIXEL_DESCRIPTION = (
    "Rows",
    "Columns",
    "BitsAllocated",
    "BitsStored",
    "SamplesPerPixel",
    "PixelRepresentation",
)


def _check_pixel_description(dataset):
    """The Image Pixel module (PS3.3 C.7.6.3) says how to read the pixels: it must be complete
    and describe something the viewer can show."""
    required = PIXEL_DESCRIPTION + ("PhotometricInterpretation",)
    missing = [dictionary_description(keyword) for keyword in required if keyword not in dataset]
    if missing:
        missing = ", ".join(missing)
        raise DicomError("bad_value", f"its pixel description is incomplete: no {missing}")
    rows, columns, allocated, stored, samples, _ = (
        whole_number(dataset, k, 0) for k in PIXEL_DESCRIPTION
    )
    kind = dataset.PhotometricInterpretation
    if kind not in GREY + COLOUR:
        raise DicomError("unsupported", f"its pixels are {kind}, which the viewer can't show")
    if samples != (1 if kind in GREY + ("PALETTE COLOR",) else 3):
        raise DicomError("bad_value", f"its {kind} pixels can't have {samples} samples each")
    if not rows or not columns or allocated not in (1, 8, 16, 32) or not 0 < stored <= allocated:
        size = f"{columns} x {rows} pixels of {stored} bits in {allocated}"
        raise DicomError("bad_value", f"its pixel description is impossible: {size}")


# The installed decoders that may read each compression, in order of preference: a frame is
# decoded by the first one installed, never by the others in turn. GDCM aborts the whole process
# (an uncaught C++ exception) on some damaged JPEG and JPEG 2000 headers, so it reads only what
# nothing else installed reads, lossless JPEG and JPEG-LS, after _check_jpeg_header.
_DECODERS = {
    **dict.fromkeys(JPEG2000TransferSyntaxes, ("pylibjpeg",)),  # OpenJPEG
    **dict.fromkeys((JPEGBaseline8Bit, JPEGExtended12Bit), ("pillow", "pylibjpeg", "gdcm")),
    **dict.fromkeys((JPEGLossless, JPEGLosslessSV1), ("pylibjpeg", "gdcm")),
    **dict.fromkeys(JPEGLSTransferSyntaxes, ("pyjpegls", "pylibjpeg", "gdcm")),
    RLELossless: ("pylibjpeg", "pydicom"),  # pylibjpeg-rle panics (in Rust) rather than crash
}
_TWELVE_BIT_JPEG = ("pylibjpeg",)  # neither Pillow nor GDCM reads JPEG Extended at 12 bits


def _check_decodable(dataset):
    """Refuse, up front, pixel data no installed decoder reads; say which optional one would."""
    syntax = dataset.file_meta.get("TransferSyntaxUID")
    if syntax is None or not syntax.is_transfer_syntax:
        raise DicomError("no_decoder", f"its transfer syntax ({syntax}) is an unknown one")
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        raise DicomError("no_decoder", f"its pixel data is {syntax.name}, which no decoder reads")
    twelve_bit = syntax == JPEGExtended12Bit and int(dataset.BitsStored) > 8
    if twelve_bit and decoding_plugin(dataset) is None:
        raise DicomError(
            "no_decoder",
            "its pixel data is 12-bit lossy JPEG, which needs the optional GPL-licensed decoder "
            "pylibjpeg-libjpeg: the administrator can install it with pip install '.[jpeg12]'",
        )
    if not decoder.is_available or decoding_plugin(dataset) is None:
        needs = "; ".join(decoder.missing_dependencies)
        raise DicomError("no_decoder", f"its pixel data is {syntax.name}, which needs {needs}")


def decoding_plugin(dataset):
    """The pydicom decoding plugin for the dataset's pixel data: "" leaves the choice to pydicom
    (native data needs none); None when no decoder we trust is installed."""
    syntax = dataset.file_meta.TransferSyntaxUID
    if syntax not in _DECODERS:
        return ""
    names = _DECODERS[syntax]
    if syntax == JPEGExtended12Bit and int(dataset.BitsStored) > 8:
        names = _TWELVE_BIT_JPEG
    available = get_decoder(syntax).available_plugins
    return next((name for name in names if name in available), None)
