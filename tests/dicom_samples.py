"""pydicom's and pydicom-data's sample files, and the ones an upload refuses with the reason why:
read file by file by tests/dicom/test_dicom_samples.py, and through the upload pipeline by
tests/viewer/test_ingest_samples.py."""

from io import BytesIO
from pathlib import Path

import data_store
import pydicom
import pydicom.data

from dicom.archive import Member

FOLDERS = {
    "pydicom": Path(pydicom.data.__file__).parent / "test_files",
    "pydicom-data": Path(data_store.__file__).parent / "data",
}
SAMPLES = {
    f"{source}:{path.relative_to(folder).as_posix()}": path
    for source, folder in FOLDERS.items()
    for path in sorted(folder.rglob("*"))
    if path.is_file()
}

# Samples that carry pixel data and are refused. Segmentations and RT dose grids by policy, the
# rest because they are damaged or need a decoder the repository doesn't install.
REFUSED_WITH_PIXELS = {
    "pydicom:liver_1frame.dcm": ("not_an_image", "a segmentation"),
    "pydicom:liver_expb_1frame.dcm": ("not_an_image", "a segmentation"),
    "pydicom-data:liver.dcm": ("not_an_image", "a segmentation"),
    "pydicom-data:liver_expb.dcm": ("not_an_image", "a segmentation"),
    "pydicom:rtdose*.dcm": ("not_an_image", "an RT dose grid (6 files)"),
    "pydicom:JPEG-lossy.dcm": ("no_decoder", "12-bit JPEG: needs the jpeg12 extra"),
    "pydicom:JPGExtended.dcm": ("no_decoder", "12-bit JPEG: needs the jpeg12 extra"),
    "pydicom:MR_truncated.dcm": ("truncated", "its pixel data is cut short"),
    "pydicom-data:emri_small_jpeg_2k_lossless_too_short.dcm": ("truncated", "it stops early"),
    "pydicom:JPEG2000-embedded-sequence-delimiter.dcm": ("corrupt", "its codestream is garbled"),
    "pydicom:MR_small_padded.dcm": ("corrupt", "128 bytes more pixel data than 64 x 64 x 16 bits"),
    "pydicom:badVR.dcm": ("bad_value", "Number of Frames is '1A'"),
    "pydicom:meta_missing_tsyntax.dcm": ("bad_value", "2 bytes of pixel data and no description"),
    "pydicom:nested_priv_SQ.dcm": ("bad_value", "2 bytes of pixel data and no description"),
}

# Samples without pixel data, or not DICOM at all.
REFUSED_WITHOUT_PIXELS = {
    "pydicom:README.txt": ("not_dicom", "plain text"),
    "pydicom:dicomdirtests/README.txt": ("not_dicom", "plain text"),
    "pydicom:dicomdirtests/TINY_ALPHA/README": ("not_dicom", "plain text"),
    "pydicom:*.dump": ("not_dicom", "text dumps of rtplan.dcm and rtstruct.dcm"),
    "pydicom:*.json": ("not_dicom", "DICOM JSON, which is text"),
    "pydicom:zipMR.gz": ("not_dicom", "a gzip archive"),
    "pydicom:crayons.icc": ("not_dicom", "an ICC colour profile"),
    "pydicom:no_meta.dcm": ("not_dicom", "a stray byte before its first element"),
    "pydicom:empty_charset_LEI.dcm": ("not_dicom", "two elements, no SOP Class"),
    "pydicom:reportsi*.dcm": ("not_an_image", "a structured report"),
    "pydicom:test-SR.dcm": ("not_an_image", "a structured report"),
    "pydicom:rtplan.dcm": ("not_an_image", "an RT plan"),
    "pydicom:rtplan_truncated.dcm": ("truncated", "an RT plan, cut short"),
    "pydicom:rtstruct.dcm": ("not_an_image", "an RT structure set"),
    "pydicom:ExplVR_*EndNoMeta.dcm": ("not_an_image", "an RT ion plan"),
    "pydicom:waveform_ecg.dcm": ("not_an_image", "an ECG"),
    "pydicom:dicomdirtests/DICOMDIR-nooffset": ("corrupt", "a DICOMDIR whose last item overruns"),
    "pydicom:dicomdirtests/DICOMDIR*": ("not_an_image", "a DICOMDIR"),
    "pydicom:dicomdirtests/TINY_ALPHA/DICOMDIR": ("not_an_image", "a DICOMDIR"),
    "pydicom:dicomdirtests/TINY_ALPHA/PT000000/*": ("no_pixels", "CT headers a DICOMDIR indexes"),
    "pydicom:UN_sequence.dcm": ("no_pixels", "one private sequence"),
    "pydicom:priv_SQ.dcm": ("no_pixels", "one private sequence"),
    "pydicom:no_meta_group_length.dcm": ("no_pixels", "an RT Image header"),
}


def as_member(name, series_uid=None):
    """The sample called `name` (a key of SAMPLES) as a file to upload, optionally moved into
    the series `series_uid`."""
    path = SAMPLES[name]
    data = path.read_bytes()
    if series_uid:
        ds = pydicom.dcmread(path)
        ds.SeriesInstanceUID = series_uid
        out = BytesIO()
        ds.save_as(out, enforce_file_format=True)
        data = out.getvalue()
    return Member(path.name, lambda: BytesIO(data), len(data))
