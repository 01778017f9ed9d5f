"""DICOM files built in code for the ingest tests, from pydicom's own small real samples."""

import io
import zipfile

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

PATIENT = "Doe^Janet^Q"
PATIENT_ID = "MRN-4417-ZQX"


def ct_series(count=3, patient=PATIENT, series_uid=None, study_uid=None, **elements):
    """count slices of one CT series (pydicom's CT_small pixels), 5 mm apart along z, as bytes,
    listed in reverse order so the ingest has to sort them."""
    series_uid = series_uid or generate_uid()
    study_uid = study_uid or generate_uid()
    slices = []
    for number in range(count):
        ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
        ds.PatientName = patient
        ds.PatientID = PATIENT_ID
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = number + 1
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [0, 0, 5.0 * number]
        for keyword, value in elements.items():
            setattr(ds, keyword, value)
        slices.append(to_bytes(ds))
    return list(reversed(slices))


def ultrasound(patient=PATIENT):
    ds = pydicom.dcmread(get_testdata_file("US1_UNCR.dcm"))
    ds.PatientName = patient
    ds.Modality = "US"
    ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    return to_bytes(ds)


def structured_report():
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"  # Basic Text SR Storage
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "SR"
    ds.PatientName = PATIENT
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return to_bytes(ds)


def to_bytes(ds):
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def zipped(files):
    """A .zip of {name: bytes}."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def multiframe_ct(frames, size=512, **elements):
    """One CT file of `frames` frames of size x size 16-bit pixels (a smooth ramp, different in
    every frame), as bytes: a large upload built in code. Every call's file is of the same
    series (CT_small's)."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Rows = ds.Columns = size
    ds.NumberOfFrames = frames
    ramp = np.add.outer(np.arange(size), np.arange(size)).astype(np.int16)
    ds.PixelData = b"".join((ramp + n).tobytes() for n in range(frames))
    return to_bytes(ds)
