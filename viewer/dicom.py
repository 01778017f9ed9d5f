"""Turn DICOM pixel data into pictures people can look at.

Pure functions on pydicom datasets, numpy arrays and Pillow images, no Django. Grey pixels go
through the display pipeline of DICOM PS3.3 C.11, in its order: the Modality LUT (C.11.1:
Rescale Slope/Intercept or a Modality LUT Sequence) turns stored values into meaningful units
(Hounsfield units for CT), then the VOI LUT (C.11.2: a VOI LUT Sequence or Window Center/Width)
picks the range of those values to show, and MONOCHROME1 is shown inverted (its minimum is
white, C.7.6.3.1.2). Colour pixels are shown as RGB; PALETTE COLOR goes through its colour
lookup tables (C.7.6.3.1.5-6).
"""

import numpy as np
from PIL import Image
from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut, pixel_array

GREY = ("MONOCHROME1", "MONOCHROME2")
_FAR = 2.0**40  # beyond any stored value: a window maps it onto the ends of its output range


def to_picture(dataset, frame=0):
    """One frame of a dataset as an 8-bit Pillow image: mode L for grey, RGB for colour."""
    pixels = frame_pixels(dataset, frame)
    kind = dataset.PhotometricInterpretation
    if kind in GREY:
        return Image.fromarray(grey_to_8_bit(pixels, dataset), "L")
    if kind == "PALETTE COLOR":
        rgb = apply_color_lut(pixels, dataset)  # 8- or 16-bit entries, as the palette has them
        return Image.fromarray(colour_to_8_bit(rgb, 8 * rgb.dtype.itemsize), "RGB")
    return Image.fromarray(colour_to_8_bit(pixels, int(dataset.BitsStored)), "RGB")


def frame_count(dataset):
    return int(dataset.get("NumberOfFrames") or 1)


def frame_pixels(dataset, frame=0):
    """The decoded pixels of one frame; YBR comes out converted to RGB (pydicom's default)."""
    if not 0 <= frame < frame_count(dataset):
        raise IndexError(f"frame {frame} of a dataset with {frame_count(dataset)} frame(s)")
    if frame_count(dataset) == 1:
        return dataset.pixel_array
    return pixel_array(dataset, index=frame)  # decodes this frame only


def grey_to_8_bit(pixels, dataset):
    """Stored grey values to display values, in the order of PS3.3 C.11: the Modality LUT,
    then the VOI LUT or window, then MONOCHROME1's inversion (its implied INVERSE shape)."""
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
