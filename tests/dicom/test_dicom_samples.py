"""Every file of pydicom's and pydicom-data's samples, read as an upload would be: each is shown
(its first and last frames as 8-bit pictures of the right size, its grey values round-tripped
through the pixel store) or refused for the reason listed here, with a DicomError and nothing
else. A file that starts or stops decoding shows up as a failure here."""

import os
from fnmatch import fnmatch
from pathlib import Path

import data_store
import numpy as np
import pydicom.data
import pytest

from dicom.frames import stored_values, to_picture
from dicom.pixelstore import decode, encode
from dicom.reading import GREY, DicomError, ReadLimits, check_image, frame_count, read_dataset

# Hostile and damaged samples make pydicom warn as it reads; the refusals are what count here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

LIMITS = ReadLimits()
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

DECODED = 144  # of 153 images with pixel data, plus 10 segmentations and RT dose grids refused


def known_refusal(sample):
    """The first listed (code, reason) whose pattern matches the sample, or None."""
    for table in (REFUSED_WITH_PIXELS, REFUSED_WITHOUT_PIXELS):
        for pattern, refusal in table.items():
            if fnmatch(sample, pattern):
                return refusal
    return None


def assert_shown(ds, frame):
    picture = to_picture(ds, frame)
    assert picture.mode == ("L" if ds.PhotometricInterpretation in GREY else "RGB")
    assert picture.size == (ds.Columns, ds.Rows)
    if ds.PhotometricInterpretation in GREY:
        values = stored_values(ds, frame)
        blob = encode(values)
        assert np.array_equal(decode(blob, ds.Rows, ds.Columns, values.dtype == np.int16), values)


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_sample_is_shown_or_refused_for_its_known_reason(sample):
    refusal = known_refusal(sample)
    try:
        ds = read_dataset(SAMPLES[sample].read_bytes(), LIMITS)
        check_image(ds, LIMITS)
        for frame in sorted({0, frame_count(ds) - 1}):
            assert_shown(ds, frame)
    except DicomError as error:
        assert refusal, f"refused ({error.code}): {error}"
        assert error.code == refusal[0], f"{error.code}: {error}"
        assert len(str(error)) > 15
        return
    assert refusal is None, f"shown, though listed as refused: {refusal[1]}"


def refused_with_pixels(sample):
    return any(fnmatch(sample, pattern) for pattern in REFUSED_WITH_PIXELS)


def test_the_samples_are_the_ones_counted():
    refused = [sample for sample in SAMPLES if known_refusal(sample)]

    assert len(SAMPLES) == 244
    assert len(SAMPLES) - len(refused) == DECODED
    assert len([sample for sample in refused if refused_with_pixels(sample)]) == 19


def test_every_listed_refusal_matches_a_sample():
    patterns = {**REFUSED_WITH_PIXELS, **REFUSED_WITHOUT_PIXELS}

    unused = [pattern for pattern in patterns if not any(fnmatch(s, pattern) for s in SAMPLES)]

    assert unused == []


def test_the_samples_counted_as_carrying_pixel_data_hold_its_tag():
    tags = (b"\xe0\x7f\x10\x00", b"\x7f\xe0\x00\x10")  # (7FE0,0010), little and big endian
    for sample in filter(refused_with_pixels, SAMPLES):
        data = SAMPLES[sample].read_bytes()
        assert any(tag in data for tag in tags), sample


def test_samples_come_from_both_folders():
    assert {sample.split(":")[0] for sample in SAMPLES} == set(FOLDERS)
    assert os.path.isdir(FOLDERS["pydicom-data"])
