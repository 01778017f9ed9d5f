"""Turn the pixel data of DICOM datasets into pictures people can look at, and say where
their frames lie.

Pure functions on pydicom datasets, numpy arrays and Pillow images, no Django. The datasets come
from dicom.reading, which reads and checks untrusted files.

Before a compressed frame is decoded, its own header is checked against the dataset, and it goes
to one chosen decoder (_DECODERS in dicom.reading), never to GDCM where another will do: GDCM
kills the process on some damaged headers. Every failure is a DicomError, with a short code and a
sentence a contributor can act on; no other exception leaves to_picture or stored_values.

Geometry and per-frame values come from the top level of the dataset or, in an enhanced
multi-frame object, from its functional groups (PS3.3 C.7.6.16), where a frame's own item
overrides the shared one.

Grey pixels go through the display pipeline of DICOM PS3.3 C.11, in its order: the Modality LUT
(C.11.1: Rescale Slope/Intercept or a Modality LUT Sequence) turns stored values into meaningful
units (Hounsfield units for CT), then the VOI LUT (C.11.2: a VOI LUT Sequence or Window
Center/Width) picks the range of those values to show, and MONOCHROME1 is shown inverted (its
minimum is white, C.7.6.3.1.2). Colour pixels are shown as RGB; PALETTE COLOR goes through its
colour lookup tables (C.7.6.3.1.5-6). stored_values() hands the viewer a grey frame before any
of that, so it can window the true values itself.
"""

import math
import struct

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut, pixel_array
from pydicom.uid import JPEG2000TransferSyntaxes, JPEGLSTransferSyntaxes, JPEGTransferSyntaxes
from pydicom.valuerep import DSfloat

from dicom.reading import (
    GREY,
    PIXEL_DESCRIPTION,
    DicomError,
    decoding_plugin,
    frame_count,
    refusing,
    whole_number,
)

_FAR = 2.0**40  # beyond any stored value: a window maps it onto the ends of its output range


# --- Geometry and per-frame values --------------------------------------------------------------


def frame_rescale(dataset, frame=0):
    """(slope, intercept) of the frame's Modality LUT (PS3.3 C.11.1); an enhanced object keeps
    them in its Pixel Value Transformation functional group (C.7.6.16.2.9). (1, 0) when absent."""
    source = _frame_source(dataset, frame, "PixelValueTransformationSequence", "RescaleSlope")
    slope = _numbers(_get(source, "RescaleSlope"))
    intercept = _numbers(_get(source, "RescaleIntercept"))
    return (slope[0] if slope else 1.0), (intercept[0] if intercept else 0.0)


def frame_windows(dataset, frame=0):
    """The frame's windows as (center, width) pairs, in the file's order (PS3.3 C.11.2.1.2):
    Window Center and Width may hold several. An enhanced object keeps them in its Frame VOI
    LUT functional group (C.7.6.16.2.10). Widths the VOI LUT Function forbids are left out."""
    source = _frame_source(dataset, frame, "FrameVOILUTSequence", "WindowCenter")
    centers, widths = _numbers(_get(source, "WindowCenter")), _numbers(_get(source, "WindowWidth"))
    smallest = 1 if _voi_function(source) == "LINEAR" else 0  # C.11.2.1.2.1 and C.11.2.1.3.2
    pairs = zip(centers, widths)
    return [(center, width) for center, width in pairs if width > 0 and width >= smallest]


def pixel_spacing(dataset, frame=0):
    """(between rows, between columns) in mm: Pixel Spacing, from the frame's Pixel Measures
    (C.7.6.16.2.1) or the top level; else Imager Pixel Spacing, which a projection radiograph
    measures at the detector, uncorrected for magnification (PS3.3 10.7.1.3). None if neither."""
    spacings = (
        _frame_value(dataset, frame, "PixelMeasuresSequence", "PixelSpacing"),
        _get(dataset, "ImagerPixelSpacing"),
    )
    for spacing in map(_numbers, spacings):
        if len(spacing) == 2 and min(spacing) > 0:
            return tuple(spacing)
    return None


def spacing_at_detector(dataset, frame=0):
    """Whether pixel_spacing() is the Imager Pixel Spacing: measured at the detector of a
    projection radiograph, uncorrected for magnification, so lengths read from it are not
    true sizes at the patient (PS3.3 10.7.1.3)."""
    calibrated = _numbers(_frame_value(dataset, frame, "PixelMeasuresSequence", "PixelSpacing"))
    return pixel_spacing(dataset, frame) is not None and not (
        len(calibrated) == 2 and min(calibrated) > 0
    )


def slice_thickness(dataset, frame=0):
    thickness = _numbers(_frame_value(dataset, frame, "PixelMeasuresSequence", "SliceThickness"))
    return thickness[0] if len(thickness) == 1 and thickness[0] > 0 else None


def orientation(dataset, frame=0):
    """Image Orientation (Patient): the direction cosines of the first row and the first column
    (PS3.3 C.7.6.2.1.1), as 6 floats; None if absent."""
    cosines = _frame_value(dataset, frame, "PlaneOrientationSequence", "ImageOrientationPatient")
    cosines = _numbers(cosines)
    return tuple(cosines) if len(cosines) == 6 else None


def position(dataset, frame=0):
    """Image Position (Patient): the centre of the first pixel in mm (PS3.3 C.7.6.2.1.1)."""
    where = _numbers(_frame_value(dataset, frame, "PlanePositionSequence", "ImagePositionPatient"))
    return tuple(where) if len(where) == 3 else None


def slice_position(dataset, frame=0):
    """Where the frame lies along the normal to its plane: its position dotted with row x
    column direction cosines. None without both."""
    cosines, where = orientation(dataset, frame), position(dataset, frame)
    if cosines is None or where is None:
        return None
    return float(np.dot(np.cross(cosines[:3], cosines[3:]), where))


def sort_key(dataset, frame=0):
    """How the frames of a series sort: by slice position where the geometry is known, else by
    Instance Number, else as they come; then by Instance Number and frame to break ties."""
    numbers = _numbers(_get(dataset, "InstanceNumber"))
    instance = int(numbers[0]) if numbers else 0
    where = slice_position(dataset, frame)
    return (instance if where is None else where, instance, frame)


def _frame_source(dataset, frame, sequence, keyword):
    """Where the frame's `keyword` is: the item of its functional group macro `sequence` (PS3.3
    C.7.6.16), from its Per-frame Functional Groups, which override the Shared ones; else the
    top level, as in a classic image."""
    for item in (*_frame_items(dataset, frame, sequence), dataset):
        if _get(item, keyword) is not None:
            return item
    return dataset


def _frame_value(dataset, frame, sequence, keyword):
    return _get(_frame_source(dataset, frame, sequence, keyword), keyword)


def _frame_items(dataset, frame, sequence):
    per_frame = _get(dataset, "PerFrameFunctionalGroupsSequence") or ()
    shared = _get(dataset, "SharedFunctionalGroupsSequence") or ()
    own = per_frame[frame] if frame < len(per_frame) else None
    groups = (_get(own, sequence), _get(shared[0], sequence) if shared else None)
    return [items[0] for items in groups if items]


def _get(item, keyword):
    """An element's value; None if absent or unreadable (pydicom raises on a malformed number
    when it's first read, and geometry shouldn't refuse a file pixel checks have passed)."""
    if item is None:
        return None
    try:
        return item.get(keyword)
    except Exception:
        return None


def _numbers(value):
    """A number element's values as floats; [] when absent or malformed."""
    if value is None or value == "":
        return []
    values = [value] if isinstance(value, (str, bytes, int, float)) else list(value)
    try:
        numbers = [float(number) for number in values]
    except (TypeError, ValueError):
        return []
    return numbers if all(map(math.isfinite, numbers)) else []


def _voi_function(item):
    """The VOI LUT Function (C.11.2.1.3); LINEAR when absent or one the standard doesn't name."""
    function = str(_get(item, "VOILUTFunction") or "").upper()
    return function if function in ("LINEAR_EXACT", "SIGMOID") else "LINEAR"


# --- Pictures ----------------------------------------------------------------------------------


def to_picture(dataset, frame=0, pixels=None):
    """One frame of a dataset as an 8-bit Pillow image: mode L for grey, RGB for colour.
    pixels, when given, is the frame already decoded by frame_pixels (decode once, use twice)."""
    pixels = frame_pixels(dataset, frame) if pixels is None else pixels
    with refusing("undecodable", "its pixels can't be shown: their lookup tables are damaged"):
        kind = dataset.PhotometricInterpretation
        if kind in GREY:
            return Image.fromarray(grey_to_8_bit(pixels, frame_view(dataset, frame)), "L")
        if kind == "PALETTE COLOR":
            rgb = apply_color_lut(pixels, dataset)  # 8- or 16-bit entries, as the palette has them
            return Image.fromarray(colour_to_8_bit(rgb, 8 * rgb.dtype.itemsize), "RGB")
        return Image.fromarray(colour_to_8_bit(pixels, int(dataset.BitsStored)), "RGB")


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
    if width != whole_number(dataset, "Columns", 0) or height not in (0, whole_number(dataset, "Rows", 0)):
        raise _size_mismatch(dataset, frame, width, height)


def _size_mismatch(dataset, frame, width, height):
    return DicomError(
        "corrupt",
        f"the file is damaged: frame {frame + 1} is compressed as {width:,} x {height:,} pixels, "
        f"but the file says {dataset.Columns} x {dataset.Rows}",
    )


_LOOKUP = ("PhotometricInterpretation", "ModalityLUTSequence", "VOILUTSequence")


def frame_view(dataset, frame=0):
    """A small dataset with what the display pipeline reads for one frame. pydicom's
    apply_modality_lut and apply_voi_lut read the top level (and write to it), but an enhanced
    object keeps its rescale and windows in functional groups."""
    view = Dataset()
    if hasattr(dataset, "file_meta"):
        view.file_meta = dataset.file_meta  # OW lookup tables are read in its byte order
    for keyword in PIXEL_DESCRIPTION + _LOOKUP:
        if keyword in dataset:
            view[keyword] = dataset[keyword]
    rescale = _frame_source(dataset, frame, "PixelValueTransformationSequence", "RescaleSlope")
    if _get(rescale, "RescaleSlope") is not None:
        slope, intercept = frame_rescale(dataset, frame)
        view.RescaleSlope, view.RescaleIntercept = _ds(slope), _ds(intercept)
    windows = frame_windows(dataset, frame)
    if windows:
        view.WindowCenter, view.WindowWidth = map(_ds, windows[0])
        source = _frame_source(dataset, frame, "FrameVOILUTSequence", "WindowCenter")
        view.VOILUTFunction = _voi_function(source)
    return view


def _ds(number):
    return DSfloat(number, auto_format=True)  # a decimal string of at most 16 characters


def grey_to_8_bit(pixels, dataset):
    """Stored grey values to display values, in the order of PS3.3 C.11: the Modality LUT,
    then the VOI LUT or window, then MONOCHROME1's inversion (its implied INVERSE shape).

    Integer frames go through the pipeline once per stored value between their lowest and
    highest, then look their pixels up in that table: a 512x512 CT slice in 0.5 ms, not 3."""
    if not _tabulable(pixels, dataset):
        return _grey_pipeline(pixels, dataset)
    low, high = int(pixels.min()), int(pixels.max())
    table = _grey_pipeline(np.arange(low, high + 1).astype(pixels.dtype), dataset)
    return table[pixels.astype(np.int32) - low]


def _tabulable(pixels, dataset):
    """Up to 16-bit integers, and a monotonic modality step (so the table's range is the
    frame's); a Modality LUT Sequence may be neither."""
    return (
        np.issubdtype(pixels.dtype, np.integer)
        and pixels.dtype.itemsize <= 2
        and pixels.size > 0
        and "ModalityLUTSequence" not in dataset
    )


def _grey_pipeline(pixels, dataset):
    values = apply_modality_lut(pixels, dataset)  # C.11.1, always before the VOI step
    if has_voi_lut(dataset):
        values = apply_voi_lut(_as_lut_index(values), dataset)
        low, high = _voi_lut_range(dataset)
    elif has_window(dataset):
        values = apply_voi_lut(values, dataset)
        low, high = _window_range(dataset)
    else:
        low, high = values.min(), values.max()  # no VOI in the file: show the frame's range
    grey = _stretch(values, low, high)
    return 255 - grey if dataset.PhotometricInterpretation == "MONOCHROME1" else grey


def has_voi_lut(dataset):
    """A usable VOI LUT Sequence, which pydicom's apply_voi_lut prefers to a window."""
    items = dataset.get("VOILUTSequence")
    if not items:
        return False
    return items[0].get("LUTDescriptor") is not None and items[0].get("LUTData") is not None


def has_window(dataset):
    return dataset.get("WindowCenter") is not None and dataset.get("WindowWidth") is not None


def _as_lut_index(values):
    """A LUT is indexed by whole numbers; the modality step may have produced floats."""
    return values if np.issubdtype(values.dtype, np.integer) else np.rint(values).astype(np.int64)


def _voi_lut_range(dataset):
    """The lowest and highest entries of the VOI LUT: what its output can span."""
    entries, first, _bits = dataset.VOILUTSequence[0].LUTDescriptor
    table = apply_voi_lut(np.arange(first, first + (entries or 2**16)), dataset)
    return table.min(), table.max()


def _window_range(dataset):
    """The output range of the window (C.11.2.1.2): where values far below and above land."""
    with np.errstate(over="ignore"):  # a SIGMOID window overflows exp() out there, harmlessly
        ends = apply_voi_lut(np.array([-_FAR, _FAR]), dataset)
    return ends.min(), ends.max()


def _stretch(values, low, high):
    """Map low..high linearly onto 0..255 (a flat range comes out black)."""
    values = np.asarray(values, dtype=np.float64)
    scale = 255.0 / (float(high) - float(low)) if high > low else 0.0
    return np.clip(np.rint((values - float(low)) * scale), 0, 255).astype(np.uint8)


def colour_to_8_bit(pixels, bits):
    """Colour samples of any depth as 8 bits: their 8 most significant bits, so that both ways
    of filling a 16-bit palette entry (0xFF00 and 0xFFFF for full intensity) give 255."""
    if bits < 8:
        return _stretch(pixels, 0, 2**bits - 1)
    return np.ascontiguousarray(pixels >> (bits - 8), dtype=np.uint8)


# --- Stored values for the viewer's own windowing -----------------------------------------------


def stored_values(dataset, frame=0, pixels=None):
    """The frame's stored grey values, before any LUT, for the viewer to window itself: int16
    when Pixel Representation says signed, else uint16 (8-bit data widened). pydicom honours
    Bits Stored, masking or sign-extending the unused high bits (PS3.5 8.1.1)."""
    kind = dataset.get("PhotometricInterpretation")
    if kind not in GREY:
        raise DicomError("not_grey", f"its pixels are {kind}, not grey values")
    bits = whole_number(dataset, "BitsStored", 0)
    if bits > 16:
        raise DicomError("too_many_bits", f"its grey values have {bits} bits, the viewer takes 16")
    pixels = frame_pixels(dataset, frame) if pixels is None else pixels
    signed = whole_number(dataset, "PixelRepresentation", 0) == 1
    return pixels.astype(np.int16 if signed else np.uint16)
