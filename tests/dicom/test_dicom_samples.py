"""Every file of pydicom's and pydicom-data's samples, read as an upload would be: each is shown
(its first and last frames as 8-bit pictures of the right size, its grey values round-tripped
through the pixel store) or refused for the reason listed in tests/dicom_samples.py, with a
DicomError and nothing else. A file that starts or stops decoding shows up as a failure here."""

import os
from fnmatch import fnmatch

import numpy as np
import pytest

from dicom.frames import stored_values, to_picture
from dicom.pixelstore import decode, encode
from dicom.reading import GREY, DicomError, ReadLimits, check_image, frame_count, read_dataset
from tests.dicom_samples import FOLDERS, REFUSED_WITH_PIXELS, REFUSED_WITHOUT_PIXELS, SAMPLES

# Hostile and damaged samples make pydicom warn as it reads; the refusals are what count here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

LIMITS = ReadLimits()
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
