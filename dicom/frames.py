"""One frame of a DICOM dataset as people look at it: a picture, or the stored values the viewer
windows itself; and, re-exported from dicom.geometry, where each frame lies.

Pure functions on pydicom datasets, numpy arrays and Pillow images, no Django. The datasets come
from dicom.reading, which reads and checks untrusted files. A frame is decoded by
dicom.decoders.frame_pixels, which checks a compressed frame's own header first. Grey pixels go
through the display pipeline of PS3.3 C.11 (dicom.display); colour pixels are shown as RGB, and
PALETTE COLOR goes through its colour lookup tables (C.7.6.3.1.5-6). stored_values() hands the
viewer a grey frame before any of that, so it can window the true values itself. Every failure
is a DicomError, with a short code and a sentence a contributor can act on; no other exception
leaves to_picture or stored_values.
"""

import numpy as np
from PIL import Image
from pydicom.pixels import apply_color_lut

from dicom.decoders import frame_pixels
from dicom.display import colour_to_8_bit, grey_to_8_bit, has_voi_lut, has_window
from dicom.errors import DicomError, refusing
from dicom.geometry import (
    frame_rescale,
    frame_view,
    frame_windows,
    orientation,
    pixel_spacing,
    position,
    slice_position,
    slice_thickness,
    sort_key,
    spacing_at_detector,
)
from dicom.image_pixel import GREY, whole_number

# Callers import these from here, where they were defined before the package was split.
__all__ = [
    "colour_to_8_bit",
    "frame_pixels",
    "frame_rescale",
    "frame_view",
    "frame_windows",
    "grey_to_8_bit",
    "has_voi_lut",
    "has_window",
    "orientation",
    "pixel_spacing",
    "position",
    "slice_position",
    "slice_thickness",
    "sort_key",
    "spacing_at_detector",
    "stored_values",
    "to_picture",
]


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
    return pixels.astype(np.int16 if signed else np.uint16, copy=False)  # no copy if it is one
