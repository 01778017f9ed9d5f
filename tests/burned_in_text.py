"""DICOM files with text burned into their pixels at known places, built in code: Pillow draws
the text on an ultrasound-like frame (a dark background with a speckled sector), and pydicom
stores it. For the redaction tests and bench/redaction.py."""

import io

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from dicom import deid
from tests.dicom_samples import SAMPLES

# Text an ultrasound scanner writes in its corners: made-up names, IDs and dates.
TEXTS = {
    (12, 10): "DOE^JANET",
    (12, 34): "MRN 4417203",
    (12, 58): "1961-03-14",
    (200, 10): "ST MARY HOSP",
    (200, 34): "12:41:07",
    (120, 220): "LEFT KIDNEY",
}
SIZE = (240, 320)  # rows, columns


def font(size=16):
    return ImageFont.load_default(size=size)


def draw_frame(texts=TEXTS, size=SIZE, seed=0, font_size=16):
    """(8-bit grey frame, {text: (x, y, width, height)}): white text on the frame's dark edges."""
    rows, columns = size
    rng = np.random.default_rng(seed)
    pixels = np.zeros(size, np.uint8)
    sector = rng.integers(40, 140, size=(rows // 2, columns // 2), dtype=np.uint8)
    pixels[rows // 4 : rows // 4 + rows // 2, columns // 4 : columns // 4 + columns // 2] = sector
    picture = Image.fromarray(pixels, "L")
    pen, boxes = ImageDraw.Draw(picture), {}
    for (x, y), text in texts.items():
        left, top, right, bottom = pen.textbbox((x, y), text, font=font(font_size))
        pen.text((x, y), text, fill=255, font=font(font_size))
        boxes[text] = (left, top, right - left, bottom - top)
    return np.asarray(picture), boxes


def secondary_capture(frames=1, photometric="MONOCHROME2", texts=TEXTS):
    """A de-identified secondary capture of `frames` frames, each with `texts` burned in, as
    bytes; MONOCHROME1 frames are stored inverted, so they look the same."""
    stack = np.stack([draw_frame(texts, seed=n)[0] for n in range(frames)])
    if photometric == "MONOCHROME1":
        stack = 255 - stack
    ds = _image_header(photometric)
    ds.Rows, ds.Columns = SIZE
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = stack.tobytes()
    return deidentified(ds)


def _image_header(photometric):
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality = "US"
    ds.PatientName = "Doe^Janet"
    ds.BurnedInAnnotation = "YES"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds


def sample(name):
    """A pydicom or pydicom-data sample (e.g. "pydicom-data:US1_UNCR.dcm"), de-identified as an
    upload would be, as bytes."""
    return deidentified(pydicom.dcmread(SAMPLES[name]))


def deidentified(ds):
    deid.deidentify(ds, deid.DeidContext(b"a test key", "a case"))
    return deid.to_bytes(ds)


def as_dataset(data):
    return pydicom.dcmread(io.BytesIO(data))
