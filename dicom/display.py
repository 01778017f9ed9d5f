"""The display pipeline of DICOM PS3.3 C.11: stored values to the grey levels people look at,
and colour samples of any depth to 8 bits.

Pure functions on numpy arrays and pydicom datasets, no Django. Grey pixels go through the
pipeline in its order: the Modality LUT (C.11.1: Rescale Slope/Intercept or a Modality LUT
Sequence) turns stored values into meaningful units (Hounsfield units for CT), then the VOI LUT
(C.11.2: a VOI LUT Sequence or Window Center/Width) picks the range of those values to show, and
MONOCHROME1 is shown inverted (its minimum is white, C.7.6.3.1.2). The dataset given is the
frame's view (dicom.geometry.frame_view), which holds that frame's own rescale and window.
"""

import numpy as np
from pydicom.pixels import apply_modality_lut, apply_voi_lut

BAND_ROWS = 256  # rows looked up at a time
_FAR = 2.0**40  # beyond any stored value: a window maps it onto the ends of its output range


def grey_to_8_bit(pixels, dataset):
    """Stored grey values to display values, in the order of PS3.3 C.11: the Modality LUT,
    then the VOI LUT or window, then MONOCHROME1's inversion (its implied INVERSE shape).

    Integer frames go through the pipeline once per stored value between their lowest and
    highest, then look their pixels up in that table: a 512x512 CT slice in 0.5 ms, not 3."""
    if not _tabulable(pixels, dataset):
        return _grey_pipeline(pixels, dataset)
    table, low = _table(pixels, dataset)
    grey = np.empty(pixels.shape, np.uint8)
    for top in range(0, len(pixels), BAND_ROWS):  # int32 indices a band at a time, not a frame
        grey[top : top + BAND_ROWS] = table[pixels[top : top + BAND_ROWS].astype(np.int32) - low]
    return grey


# What the pipeline reads of a dataset that has a window (pydicom's apply_modality_lut and
# apply_windowing): the slices of a series share them, so their table is made once, over every
# value of the frames' type, and looked up by the next ones (a CT slice's table took ~2 ms).
_WINDOW_INPUTS = (
    "RescaleSlope", "RescaleIntercept", "WindowCenter", "WindowWidth", "VOILUTFunction",
    "BitsStored", "PixelRepresentation", "PhotometricInterpretation",
)  # fmt: skip
_TABLES = {}  # per process: the tables of the last few windows
_TABLES_KEPT = 8


def _table(pixels, dataset):
    """(table, the stored value of its first entry): the pipeline's grey for each stored value.
    With a window, every value of the type, kept; else (a VOI LUT, or the frame's own range
    stretched) the frame's range, made for this frame alone."""
    key = _window_key(pixels, dataset)
    if key is None:
        low, high = int(pixels.min()), int(pixels.max())
        return _grey_pipeline(np.arange(low, high + 1).astype(pixels.dtype), dataset), low
    if key not in _TABLES:
        if len(_TABLES) >= _TABLES_KEPT:
            _TABLES.pop(next(iter(_TABLES)))  # the oldest
        info = np.iinfo(pixels.dtype)
        values = np.arange(info.min, info.max + 1).astype(pixels.dtype)
        _TABLES[key] = (_grey_pipeline(values, dataset), info.min)
    return _TABLES[key]


def _window_key(pixels, dataset):
    """What the window's table depends on, or None when it depends on more (a VOI LUT's data, or
    the frame's own range when no window is given)."""
    if has_voi_lut(dataset) or not has_window(dataset):
        return None
    return (pixels.dtype.str, *(repr(dataset.get(name)) for name in _WINDOW_INPUTS))


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

