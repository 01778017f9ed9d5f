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
    low, high = int(pixels.min()), int(pixels.max())
    table = _grey_pipeline(np.arange(low, high + 1).astype(pixels.dtype), dataset)
    grey = np.empty(pixels.shape, np.uint8)
    for top in range(0, len(pixels), BAND_ROWS):  # int32 indices a band at a time, not a frame
        grey[top : top + BAND_ROWS] = table[pixels[top : top + BAND_ROWS].astype(np.int32) - low]
    return grey


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

