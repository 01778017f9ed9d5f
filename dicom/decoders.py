"""Decoding compressed pixel data safely: which installed decoder reads each compression, and the
checks a frame's own codestream header passes before any decoder sees it.

Each compression goes to one chosen decoder (_DECODERS), never to GDCM where another will do:
GDCM kills the process on some damaged headers. A JPEG or JPEG-LS codestream's marker segments
(ISO 10918-1 B.2, ISO 14495-1 C.2) and a JPEG 2000 codestream's SIZ segment (ISO 15444-1 A.5.1)
must agree with the data set's pixel description, since decoders allocate what the codestream
says. Every failure is a DicomError.
"""

import struct

from pydicom.encaps import get_frame
from pydicom.pixels import pixel_array
from pydicom.pixels.decoders.base import get_decoder
from pydicom.uid import (
    JPEG2000TransferSyntaxes,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSTransferSyntaxes,
    JPEGTransferSyntaxes,
    RLELossless,
)

from dicom.errors import DicomError, refusing
from dicom.image_pixel import frame_count, whole_number

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
# The compressed transfer syntaxes some installed decoder may read (a DICOM receiver offers these).
DECODED_SYNTAXES = tuple(_DECODERS)
_TWELVE_BIT_JPEG = ("pylibjpeg",)  # neither Pillow nor GDCM reads JPEG Extended at 12 bits


def check_decodable(dataset):
    """Refuse, up front, pixel data no installed decoder reads; say which optional one would."""
    syntax = dataset.file_meta.get("TransferSyntaxUID")
    if syntax is None or not syntax.is_transfer_syntax:
        raise DicomError("no_decoder", f"its transfer syntax ({syntax}) is an unknown one")
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        reason = f"its pixel data is {syntax.name}, which no decoder reads"
        raise DicomError("no_decoder", reason) from None
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


def frame_pixels(dataset, frame=0):
    """The decoded pixels of one frame; YBR comes out converted to RGB (pydicom's default)."""
    if not 0 <= frame < frame_count(dataset):
        raise IndexError(f"frame {frame} of a dataset with {frame_count(dataset)} frame(s)")
    syntax = dataset.file_meta.get("TransferSyntaxUID") if hasattr(dataset, "file_meta") else None
    message = f"its pixel data ({getattr(syntax, 'name', syntax)}) can't be decoded: it is damaged"
    with refusing("undecodable", message):
        _check_codestream(dataset, frame)
        plugin = decoding_plugin(dataset)
        if plugin is None:
            raise DicomError("no_decoder", f"no installed decoder reads {syntax.name}")
        return pixel_array(dataset, index=frame, decoding_plugin=plugin)  # decodes this frame only


def _check_codestream(dataset, frame):
    """Check a compressed frame's own header before a decoder reads it: a JPEG 2000 codestream
    states its image size, which its decoder allocates, and GDCM aborts the whole process on
    some damaged JPEG headers rather than raising."""
    if not dataset["PixelData"].is_undefined_length:
        return
    data = get_frame(dataset.PixelData, frame, number_of_frames=frame_count(dataset))
    syntax = dataset.file_meta.TransferSyntaxUID
    if syntax in JPEGTransferSyntaxes + JPEGLSTransferSyntaxes:
        _check_jpeg_header(data, dataset, frame)
    elif syntax in JPEG2000TransferSyntaxes:
        _check_j2k_size(data, dataset, frame)


def _check_j2k_size(data, dataset, frame):
    """The SIZ segment (ISO 15444-1 A.5.1) follows SOC, perhaps after a JP2 header."""
    start = data.find(b"\xff\x4f\xff\x51")
    if start < 0 or len(data) < start + 42:
        return  # no header to read: the decoder will refuse it
    x, y, x0, y0 = struct.unpack(">4L", data[start + 8 : start + 24])
    components = struct.unpack(">H", data[start + 40 : start + 42])[0]
    if (x - x0, y - y0) != (whole_number(dataset, "Columns", 0), whole_number(dataset, "Rows", 0)):
        raise _size_mismatch(dataset, frame, x - x0, y - y0)
    if components > whole_number(dataset, "SamplesPerPixel", 1):
        problem = f"frame {frame + 1} has {components} colour components"
        raise DicomError("corrupt", f"the file is damaged: {problem}")


_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC} | {0xF7}  # frame headers; F7 is JPEG-LS's
_SOS = 0xDA
_APP14 = 0xEE  # Adobe's, saying how the colour components were transformed
_STANDALONE = {0x01, 0xD8, 0xD9, *range(0xD0, 0xD8)}  # markers without a length: none belong here


def _check_jpeg_header(data, dataset, frame):
    """Walk the marker segments of a JPEG or JPEG-LS codestream from SOI to its first scan (ISO
    10918-1 B.2, ISO 14495-1 C.2) and check the frame header against the dataset."""
    problem = f"the JPEG header of frame {frame + 1} is malformed"
    damaged = DicomError("corrupt", f"the file is damaged: {problem}")
    if not data.startswith(b"\xff\xd8"):
        raise damaged
    pos, frame_header = 2, None
    while True:
        if len(data) < pos + 4 or data[pos] != 0xFF:
            raise damaged
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker == 0xFF:  # a fill byte before a marker
            pos += 1
            continue
        if length < 2 or len(data) < pos + 2 + length or marker in _STANDALONE:
            raise damaged
        if marker == _SOS:
            break
        if marker == _APP14 and not _adobe_segment_is_sound(data[pos + 4 : pos + 2 + length]):
            raise damaged
        if marker in _SOF:
            if frame_header is not None:
                raise damaged
            frame_header = data[pos + 4 : pos + 2 + length]
        pos += 2 + length
    _check_jpeg_frame_header(frame_header, dataset, frame, damaged)


def _adobe_segment_is_sound(segment):
    """Adobe's APP14: "Adobe", version, two flag words, then a colour transform of 0, 1 or 2
    (some writers stop before it)."""
    return not segment.startswith(b"Adobe") or len(segment) < 12 or segment[11] <= 2


def _check_jpeg_frame_header(header, dataset, frame, damaged):
    """Precision, lines, samples a line and components (ISO 10918-1 B.2.2); lines may be 0 when a
    DNL segment gives them later."""
    if header is None or len(header) < 6 or len(header) != 6 + 3 * header[5]:
        raise damaged
    precision, components = header[0], header[5]
    height, width = struct.unpack(">HH", header[1:5])
    if not 2 <= precision <= 16 or components != whole_number(dataset, "SamplesPerPixel", 1):
        raise damaged
    if width != whole_number(dataset, "Columns", 0):
        raise _size_mismatch(dataset, frame, width, height)
    if height not in (0, whole_number(dataset, "Rows", 0)):
        raise _size_mismatch(dataset, frame, width, height)


def _size_mismatch(dataset, frame, width, height):
    return DicomError(
        "corrupt",
        f"the file is damaged: frame {frame + 1} is compressed as {width:,} x {height:,} pixels, "
        f"but the file says {dataset.Columns} x {dataset.Rows}",
    )
