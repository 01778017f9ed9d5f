"""Remove burned-in text from a de-identified DICOM file's pixels: PS3.15 E.3.1, the Clean Pixel
Data Option.

Pure functions on bytes, pydicom datasets and numpy arrays, no Django. redact() takes a file's
bytes and rectangles (x, y, width, height in pixels) for every frame or for one, and returns a new
file whose pixels inside the rectangles are black and outside them exactly as they were:

- black is what the frame shows darkest: for grey, the lowest stored value the frame holds
  (MONOCHROME2) or the highest (MONOCHROME1, shown inverted, PS3.3 C.7.6.3.1.2), so the frame's
  own range, which a picture without a window is stretched over, does not change; for colour,
  0 in every sample; for PALETTE COLOR, the index of the palette's darkest entry;
- compressed pixel data (JPEG, JPEG-LS, JPEG 2000, RLE) is decoded and written uncompressed, as
  Explicit VR Little Endian: no further loss, at the cost of size. Colour comes out as RGB
  (YBR is converted on decoding), so Photometric Interpretation says RGB;
- Burned In Annotation becomes NO, and the de-identification attributes say what was done
  (PS3.3 C.7.1.1; the Clean Pixel Data Option is code 113101 of PS3.16 CID 7050);
- the SOP Instance UID is new. The pixel data changed, so this is another instance: a viewer or
  archive that holds the old one under its UID must not take the new one for it (PS3.3
  C.12.1.1.1: a UID names one unchanging instance). The series and study stay the same.
"""

from dataclasses import dataclass
from io import BytesIO

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, pack_bits
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dicom import deid, reading
from dicom.decoders import frame_pixels
from dicom.errors import DicomError
from dicom.image_pixel import GREY, frame_count

CLEAN_PIXEL_DATA = ("113101", "Clean Pixel Data Option")  # PS3.16 CID 7050
METHOD = "Burned-in text set to black in the pixels"  # appended to DeidentificationMethod
# Elements describing compressed pixel data that mean nothing once it is written uncompressed.
_ENCAPSULATION = ("ExtendedOffsetTable", "ExtendedOffsetTableLengths")


@dataclass(frozen=True)
class Rectangle:
    """A region of a frame, in its pixels: x columns from the left, y rows from the top."""

    x: int
    y: int
    width: int
    height: int

    def __post_init__(self):
        if min(self.x, self.y) < 0 or min(self.width, self.height) < 1:
            raise ValueError(f"not a rectangle within a frame: {self}")

    @classmethod
    def of(cls, values):
        """From [x, y, width, height]."""
        x, y, width, height = (int(v) for v in values)
        return cls(x, y, width, height)

    def slices(self, rows, columns):
        """The rows and columns it covers, clipped to the frame."""
        return slice(min(self.y, rows), min(self.y + self.height, rows)), slice(
            min(self.x, columns), min(self.x + self.width, columns)
        )


DEFAULT_LIMITS = reading.ReadLimits()


def redact(data, rectangles, frame=None, *, sop_instance_uid=None, limits=DEFAULT_LIMITS):
    """The bytes of a new file: `data` (a de-identified DICOM file) with `rectangles` black in
    every frame, or in frame `frame` (from 0) only. DicomError if the file cannot be read."""
    ds = reading.read_dataset(data, limits)
    reading.check_image(ds, limits)
    redact_dataset(ds, rectangles, frame, sop_instance_uid=sop_instance_uid)
    out = BytesIO()
    deid.write(ds, out)
    return out.getvalue()


def redact_dataset(ds, rectangles, frame=None, *, sop_instance_uid=None):
    """Redact `ds` in place (see the module's docstring) and return it."""
    count = frame_count(ds)
    if frame is not None and not 0 <= frame < count:
        raise DicomError("bad_frame", f"there is no frame {frame + 1}: the file has {count}")
    pixels = np.stack([frame_pixels(ds, n) for n in range(count)])
    for n in range(count) if frame is None else [frame]:
        fill = black(ds, pixels[n])
        for rectangle in rectangles:
            pixels[n][rectangle.slices(*pixels.shape[1:3])] = fill
    _store(ds, pixels)
    _record(ds, sop_instance_uid or generate_uid(prefix=None))
    return ds


def black(ds, pixels):
    """The value (or samples) a frame of `ds` shows as black; pixels are its decoded values."""
    kind = ds.PhotometricInterpretation
    if kind in GREY:
        return pixels.max() if kind == "MONOCHROME1" else pixels.min()
    if kind == "PALETTE COLOR":
        return _darkest_index(ds)
    return 0


def _darkest_index(ds):
    """The stored value the palette maps to its darkest colour (PS3.3 C.7.6.3.1.5)."""
    entries, first, _bits = ds.RedPaletteColorLookupTableDescriptor
    indices = np.arange(first, first + (entries or 2**16))
    colours = apply_color_lut(indices.astype(np.uint16 if ds.BitsAllocated > 8 else np.uint8), ds)
    return indices[int(np.argmin(colours.astype(np.int64).sum(axis=-1)))]


def _store(ds, pixels):
    """Write the frames back uncompressed, little endian, as the pixel description says."""
    colour = pixels.ndim == 4
    bits = int(ds.BitsAllocated)
    signed = int(ds.get("PixelRepresentation", 0)) == 1
    if bits == 1:
        data = pack_bits(pixels.astype(np.uint8))
    else:
        dtype = np.dtype(f"<{'i' if signed else 'u'}{bits // 8}")
        data = pixels.astype(dtype, copy=False).tobytes()
    ds.PixelData = data + (b"\0" if len(data) % 2 else b"")
    ds["PixelData"].VR = "OW" if bits > 8 else "OB"
    ds["PixelData"].is_undefined_length = False
    if colour:
        ds.PhotometricInterpretation = "RGB"  # decoding turned YBR into RGB
        ds.PlanarConfiguration = 0  # pixels are (rows, columns, samples): interleaved
    for keyword in _ENCAPSULATION:
        ds.pop(keyword, None)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian


def _record(ds, sop_instance_uid):
    ds.BurnedInAnnotation = "NO"
    ds.SOPInstanceUID = sop_instance_uid
    methods = ds.get("DeidentificationMethod") or []
    methods = [methods] if isinstance(methods, str) else list(methods)
    if METHOD not in methods:
        ds.DeidentificationMethod = [*methods, METHOD]
    codes = ds.get("DeidentificationMethodCodeSequence") or Sequence()
    if not any(item.get("CodeValue") == CLEAN_PIXEL_DATA[0] for item in codes):
        codes.append(_code(*CLEAN_PIXEL_DATA))
        ds.DeidentificationMethodCodeSequence = codes


def _code(value, meaning):
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item
