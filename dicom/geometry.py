"""Where each frame of a DICOM dataset lies, and the values it is shown with.

Pure functions on pydicom datasets, no Django. Geometry (PS3.3 C.7.6.2: position, orientation,
spacing) and per-frame values (the Modality LUT's rescale, C.11.1; the windows, C.11.2) come
from the top level of the dataset or, in an enhanced multi-frame object, from its functional
groups (PS3.3 C.7.6.16), where a frame's own item overrides the shared one. A malformed value
reads as absent: geometry never refuses a file that the pixel checks have passed.
"""

import math

import numpy as np
from pydicom.dataset import Dataset
from pydicom.valuerep import DSfloat

from dicom.image_pixel import PIXEL_DESCRIPTION


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
    pairs = zip(centers, widths, strict=False)  # the shorter list decides
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
