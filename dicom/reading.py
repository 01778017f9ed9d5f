"""Read untrusted bytes as DICOM safely, and check that what they hold is an image we can show.

Pure functions on bytes and pydicom datasets, no Django. What a dataset shows (its frames,
geometry and pictures) is dicom.frames's business.

Reading trusts nothing in an upload. read_dataset() first looks at the bytes: an empty file, or
one that is really a web page, a PDF or a picture, is named as such (PS3.10 7.1 says where the
"DICM" marker is). Then, before pydicom parses anything, dicom.walker walks the element structure
(PS3.5 chapter 7); once parsed, the pixel description is checked (dicom.image_pixel), so that
nothing decodes or allocates more than ReadLimits allows. check_image() then says whether the
object is an image at all and whether an installed decoder reads it (dicom.decoders). Every
refusal is a DicomError, with a short code and a sentence a contributor can act on; no other
exception leaves read_dataset or check_image.
"""

import struct
from dataclasses import dataclass
from io import BytesIO

import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.filereader import read_dataset as read_data_set
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from dicom.decoders import check_decodable, decoding_plugin
from dicom.errors import DicomError, refusing
from dicom.image_pixel import (
    COLOUR,
    GREY,
    PIXEL_DESCRIPTION,
    check_pixel_description,
    check_pixel_size,
    frame_count,
    whole_number,
)
from dicom.sizes import GiB, MiB, in_mib
from dicom.walker import walk_file

# Callers import these from here, where they were defined before the package was split.
__all__ = [
    "COLOUR",
    "GREY",
    "PIXEL_DESCRIPTION",
    "DicomError",
    "ReadLimits",
    "check_image",
    "decoding_plugin",
    "frame_count",
    "read_dataset",
    "refusing",
    "whole_number",
]


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


# --- Reading ----------------------------------------------------------------------------------


def read_dataset(data, limits=ReadLimits()):
    """The dataset held in `data`, a whole file's bytes; DicomError if it isn't a DICOM file we
    can read within `limits`. Files without the preamble or file meta are read too."""
    _check_file_size(data, limits)
    with refusing("corrupt", "the file is damaged: its DICOM structure can't be read"):
        _check_looks_like_dicom(data)
        dataset = _parse(data, walk_file(data, limits))
        _settle_transfer_syntax(dataset)
        if "PixelData" in dataset:
            check_pixel_size(dataset, limits)
    return dataset


def _check_file_size(data, limits):
    if not data:
        raise DicomError("empty", "the file is empty")
    if len(data) > limits.max_bytes:
        size, limit = in_mib(len(data)), in_mib(limits.max_bytes)
        raise DicomError("too_large", f"the file is {size}, more than the {limit} allowed")


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


# --- After parsing ------------------------------------------------------------------------------


def _parse(data, layout):
    if layout.inflated is None:
        dataset = pydicom.dcmread(BytesIO(data), force=True)
        # pydicom keeps the buffer for deferred reads (none here): it would keep the file's
        # bytes alive beside the dataset's own copy of the pixel data.
        dataset.buffer = None
        return dataset
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
        check_pixel_description(dataset)
        check_pixel_size(dataset, limits)
        check_decodable(dataset)


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

