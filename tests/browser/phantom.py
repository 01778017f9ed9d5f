"""A CT phantom whose every pixel is known, so a test can read the viewer's canvas and say which
slice, which window and which orientation it is looking at.

Each slice is 256 x 256 int16 stored values, RescaleSlope 1 and RescaleIntercept -1024 (stored 0
is air), PixelSpacing 0.5 mm, axial, 2.5 mm apart, default window W 400 L 40. Regions, in image
pixels (x is the column, y the row; both ends included):

- a ramp, rows 16-95: HU = -200 + 2 (x - 16) for x in 16-239, so W/L changes show everywhere;
- BONE, a bright square: HU 1000, white in any soft-tissue window;
- TISSUE, a square at HU -60: grey 64 at the default window, far from its inverse;
- BAND, rows 184-239: HU = -150 + 20 k on slice k, a distinct grey for each slice (about 13 grey
  levels apart at the default window), so a sample there tells which slice is on screen.
"""

import functools
import io

import numpy as np
from PIL import Image as PILImage
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

SIZE = 256
SLICES = 20
SPACING_MM = 0.5
STEP_MM = 2.5
INTERCEPT = -1024
WINDOW = (40, 400)  # centre, width
AIR_HU = -1024


class Region:
    def __init__(self, x0, y0, x1, y1):
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1

    @property
    def centre(self):
        return ((self.x0 + self.x1) // 2, (self.y0 + self.y1) // 2)

    def slices(self):
        return np.s_[self.y0 : self.y1 + 1, self.x0 : self.x1 + 1]


RAMP = Region(16, 16, 239, 95)
BONE = Region(24, 112, 71, 159)
TISSUE = Region(104, 112, 151, 159)
BAND = Region(16, 184, 239, 239)
BONE_HU, TISSUE_HU = 1000, -60


def band_hu(k):
    return -150 + 20 * k


def hounsfield(k):
    """Slice k in Hounsfield units."""
    hu = np.full((SIZE, SIZE), AIR_HU, dtype=np.int16)
    columns = np.arange(RAMP.x0, RAMP.x1 + 1)
    hu[RAMP.slices()] = -200 + 2 * (columns - RAMP.x0)
    hu[BONE.slices()] = BONE_HU
    hu[TISSUE.slices()] = TISSUE_HU
    hu[BAND.slices()] = band_hu(k)
    return hu


def grey(hu, centre=WINDOW[0], width=WINDOW[1]):
    """The 8-bit grey of a value under a linear VOI window (PS3.3 C.11.2.1.2.1)."""
    low, high = centre - 0.5 - (width - 1) / 2, centre - 0.5 + (width - 1) / 2
    if hu <= low:
        return 0.0
    if hu > high:
        return 255.0
    return ((hu - (centre - 0.5)) / (width - 1) + 0.5) * 255


@functools.cache
def ct_series(series_description="Axial soft tissue"):
    """The phantom's slices as DICOM files (bytes), made once per test run: a series as a scanner
    sends it, with patient and description fields that de-identification has to deal with."""
    study_uid, series_uid = generate_uid(), generate_uid()
    return tuple(_slice(k, study_uid, series_uid, series_description) for k in range(SLICES))


def _slice(k, study_uid, series_uid, series_description):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = CTImageStorage
    ds.Modality = "CT"
    ds.PatientName, ds.PatientID = "Phantom^Head", "PHANTOM-0001"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.SeriesDescription = series_description
    ds.InstanceNumber = k + 1
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [-64.0, -64.0, STEP_MM * k]
    ds.SliceThickness = STEP_MM
    ds.PixelSpacing = [SPACING_MM, SPACING_MM]
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 1, INTERCEPT, "HU"
    ds.WindowCenter, ds.WindowWidth = WINDOW
    ds.Rows = ds.Columns = SIZE
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelData = (hounsfield(k) - INTERCEPT).astype("<i2").tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


# A colour photograph stands in for a clinical picture: red on the left, blue on the right.
PHOTO_SIZE = (320, 240)
RED, BLUE = (200, 40, 40), (40, 60, 200)


@functools.cache
def colour_png():
    picture = PILImage.new("RGB", PHOTO_SIZE, BLUE)
    picture.paste(RED, (0, 0, PHOTO_SIZE[0] // 2, PHOTO_SIZE[1]))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
