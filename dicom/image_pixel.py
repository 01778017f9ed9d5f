"""The Image Pixel module (PS3.3 C.7.6.3): how a data set describes its pixels, checked before
anything decodes or allocates them.

A description must be complete and describe something the viewer shows (grey, palette or colour
samples, 1 to 32 bits), must not claim more pixels, frames or decoded bytes than ReadLimits allows
(compressed data may claim any size until decoded), and native pixel data must be as long as the
description says (PS3.5 8.1.1 and 8.2). Every refusal is a DicomError.
"""

import math

from pydicom.datadict import dictionary_description

from dicom.errors import DicomError
from dicom.sizes import in_mib

GREY = ("MONOCHROME1", "MONOCHROME2")
COLOUR = ("PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT")

PIXEL_DESCRIPTION = (
    "Rows",
    "Columns",
    "BitsAllocated",
    "BitsStored",
    "SamplesPerPixel",
    "PixelRepresentation",
)


def check_pixel_description(dataset):
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


def check_pixel_size(dataset, limits):
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
        size, limit = in_mib(decoded), in_mib(limits.max_decoded_bytes)
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

