"""Re-encode uploaded pictures from their pixels into the renditions the site serves.

Pure functions on bytes and Pillow images, no Django. Re-encoding from pixels drops EXIF,
comments, ICC tricks and anything appended after the image data, so nothing but pixels survives.
"""

import math
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from dicom.errors import RenditionError

# Callers catch RenditionError from here, where it was defined before it joined dicom.errors.
__all__ = ["RenditionError", "Renditions", "open_picture", "render", "render_upload"]

ACCEPTED_FORMATS = ("JPEG", "PNG")
DISPLAY_SIZE = 1600  # long side; enough for a reading-room monitor, well under a radiograph
THUMBNAIL_SIZE = 320


@dataclass(frozen=True)
class Renditions:
    full: bytes
    full_ext: str
    display: bytes
    display_ext: str
    thumbnail: bytes
    width: int
    height: int


def render_upload(fileobj, max_pixels):
    """Check an uploaded file is a JPEG or PNG of acceptable size, and render it."""
    picture = open_picture(fileobj, max_pixels)
    lossless = picture.format == "PNG"
    try:
        # Honour the camera's rotation, then forget EXIF; in place, so no second full-size copy.
        ImageOps.exif_transpose(picture, in_place=True)
    except (OSError, ValueError, SyntaxError) as e:
        raise RenditionError("damaged", f"the image data is damaged ({e})") from e
    # Pillow writes some of info (JPEG comments, ICC profiles) back out on save: keep only what
    # the pixels need.
    picture.info = {k: v for k, v in picture.info.items() if k == "transparency"}
    return render(picture, lossless=lossless)


def open_picture(fileobj, max_pixels):
    fileobj.seek(0)
    try:
        picture = Image.open(fileobj, formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise RenditionError("not_an_image", "not a JPEG or PNG image") from None
    except Image.DecompressionBombError:
        raise RenditionError("too_many_pixels", "the image has too many pixels") from None
    except (OSError, ValueError, SyntaxError) as e:  # e.g. a header cut short
        raise RenditionError("damaged", f"the image data is damaged ({e})") from e
    width, height = picture.size
    if width * height > max_pixels:
        raise RenditionError(
            "too_many_pixels",
            f"the image has {width}×{height} pixels; at most {max_pixels:,} are accepted",
        )
    try:
        _load_whole(picture)  # reads only the pixels: a truncated or corrupt file fails here
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise RenditionError("damaged", f"the image data is damaged ({e})") from e
    return picture


def _load_whole(picture):
    """Decode the pixels, failing on a file cut short. Pillow's LOAD_TRUNCATED_IMAGES is
    process-wide, and libraries switch it on (WeasyPrint does, when it first renders)."""
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        picture.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


def render(picture, lossless):
    """Full-size, display and thumbnail renditions of a Pillow image.

    Memory stays near one copy of the full-size pixels: the display picture is made from a
    reduced copy (reduced a band of rows at a time), and the thumbnail from the display picture.
    """
    full_picture = _storable(picture)
    full, full_ext = (
        (_png(full_picture), "png") if lossless else (_jpeg(_eight_bit(full_picture), 95), "jpg")
    )
    extrema = full_picture.getextrema() if full_picture.mode == "I;16" else None
    shown = _eight_bit(_shrunk(full_picture, DISPLAY_SIZE, Image.Resampling.LANCZOS), extrema)
    display, display_ext = _display(shown)
    # BICUBIC: two thirds of LANCZOS's time, no visible difference at thumbnail size.
    thumb = _shrunk(shown, THUMBNAIL_SIZE, Image.Resampling.BICUBIC)
    return Renditions(
        full=full,
        full_ext=full_ext,
        display=display,
        display_ext=display_ext,
        thumbnail=_jpeg(_flatten(thumb), 82),
        width=picture.width,
        height=picture.height,
    )


def _shrunk(picture, side, resample):
    """A new picture fitting in side x side, as Image.thumbnail() makes it (a box reduction by
    a whole factor first, leaving at least twice the final size, then resample), or the picture
    itself when it fits already. thumbnail() would need a full-size copy to work on, and
    resize() of RGBA converts the whole picture to premultiplied alpha first."""
    size = _fitted(picture.size, side)
    if size is None:
        return picture
    factor = (max(1, picture.width // size[0] // 2), max(1, picture.height // size[1] // 2))
    if factor != (1, 1) and picture.mode != "I;16":  # reduce() has no I;16; resize() has
        picture = _reduced(picture, factor)
    return _resized(picture, size, resample)


# How far each filter reaches, in source pixels at scale 1 (Pillow's filters: LANCZOS a = 3).
_SUPPORT = {Image.Resampling.LANCZOS: 3, Image.Resampling.BICUBIC: 2}
RESIZE_BAND_ROWS = 64  # rows of the resized picture made at a time


# Below this many source pixels a picture is resized at once: its whole-size copy is small, and
# the bands' crops and pastes would cost a third more (a CT slice's thumbnail).
RESIZE_AT_ONCE_PIXELS = 1024 * 1024


def _resized(picture, size, resample):
    """picture.resize(size, resample), made a band of rows at a time from a strip of the source
    that includes the rows the filter reaches beyond the band: the same weights, without
    resize()'s whole-size premultiplied copy of RGBA."""
    width, height = picture.size
    if width * height <= RESIZE_AT_ONCE_PIXELS:
        return picture.resize(size, resample)
    scale = height / size[1]
    margin = math.ceil(_SUPPORT[resample] * max(scale, 1)) + 1
    resized = Image.new(picture.mode, size)
    for first in range(0, size[1], RESIZE_BAND_ROWS):
        last = min(first + RESIZE_BAND_ROWS, size[1])
        top, bottom = first * scale, last * scale
        strip_top = max(0, math.floor(top) - margin)
        strip = picture.crop((0, strip_top, width, min(height, math.ceil(bottom) + margin)))
        box = (0, top - strip_top, width, bottom - strip_top)
        resized.paste(strip.resize((size[0], last - first), resample, box), (0, first))
    return resized


def _fitted(size, side):
    """The size Image.thumbnail((side, side)) gives a picture of `size`; None if it fits."""
    width, height = size
    if width <= side and height <= side:
        return None
    aspect = width / height
    if aspect >= 1:
        return side, _round_aspect(side / aspect, lambda n: 0 if n == 0 else abs(aspect - side / n))
    return _round_aspect(side * aspect, lambda n: abs(aspect - n / side)), side


def _round_aspect(number, key):
    return max(min(math.floor(number), math.ceil(number), key=key), 1)


REDUCE_BAND_ROWS = 256  # rows of the reduced picture made at a time


def _reduced(picture, factor):
    """picture.reduce(factor), made a band of rows at a time: the same pixels, since each band
    is a whole number of factor-high blocks, without reduce()'s full-size copy of RGBA."""
    width, height = picture.size
    fx, fy = factor
    reduced = Image.new(picture.mode, (-(-width // fx), -(-height // fy)))
    band = fy * REDUCE_BAND_ROWS
    for top in range(0, height, band):
        strip = picture.crop((0, top, width, min(top + band, height)))
        reduced.paste(strip.reduce(factor), (0, top // fy))
    return reduced


def _storable(picture):
    """The picture in a mode PNG keeps losslessly: L, I;16, RGB or RGBA."""
    if picture.mode in ("L", "RGB", "RGBA", "I;16"):
        return picture
    if picture.mode in ("1", "LA", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV"):
        has_alpha = picture.mode in ("LA", "PA") or "transparency" in picture.info
        return picture.convert("RGBA" if has_alpha else ("L" if picture.mode == "1" else "RGB"))
    return _stretch_to_l(picture)  # I, F and other wide grey modes


def _eight_bit(picture, extrema=None):
    if picture.mode == "I;16":
        return _stretch_to_l(picture, extrema)
    return picture


def _stretch_to_l(picture, extrema=None):
    """Map the pixel range of a wide greyscale image (or `extrema`, the range of the full-size
    picture it was shrunk from) linearly onto 0–255."""
    wide = picture.convert("I") if picture.mode != "F" else picture
    low, high = extrema or wide.getextrema()
    scale = 255.0 / (high - low) if high > low else 0.0
    return wide.point(lambda v: (v - low) * scale).convert("L")


def _display(shown):
    if shown.mode == "RGBA":
        return _png(shown), "png"
    return _jpeg(shown, 90), "jpg"


def _flatten(picture):
    if picture.mode != "RGBA":
        return picture
    background = Image.new("RGB", picture.size, (0, 0, 0))
    background.paste(picture, mask=picture.getchannel("A"))
    return background


def _jpeg(picture, quality):
    out = BytesIO()
    _flatten(picture).save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()


def _png(picture):
    out = BytesIO()
    picture.save(out, "PNG", compress_level=1)  # level 6 costs ~5x the time for ~17% less
    return out.getvalue()
