"""Grey frames go through the display pipeline by a table of its output per stored value: the
slices of a series, which share their window, share one table, made once; what else the output
depends on (another window, a frame's own range when it has none) gets a table of its own."""

import copy

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from dicom import display
from dicom.frames import frame_pixels, frame_view
from dicom.reading import ReadLimits, read_dataset


@pytest.fixture
def ct():
    with open(get_testdata_file("693_UNCR.dcm"), "rb") as f:
        return read_dataset(f.read(), ReadLimits())


def through_the_pipeline(pixels, dataset):
    """Every pixel through the pipeline itself, no table."""
    return display._grey_pipeline(pixels, dataset)


def with_window(dataset, center, width, photometric="MONOCHROME2"):
    changed = copy.deepcopy(dataset)
    changed.WindowCenter, changed.WindowWidth = center, width
    changed.PhotometricInterpretation = photometric
    return frame_view(changed, 0)


def test_slices_sharing_a_window_share_one_table_and_get_the_pipelines_grey(ct):
    pixels = frame_pixels(ct, 0)
    other_slice = np.roll(pixels, 37, axis=1) // 2
    view = with_window(ct, 40, 400)
    display._TABLES.clear()

    first, second = display.grey_to_8_bit(pixels, view), display.grey_to_8_bit(other_slice, view)

    assert len(display._TABLES) == 1
    assert np.array_equal(first, through_the_pipeline(pixels, view))
    assert np.array_equal(second, through_the_pipeline(other_slice, view))


@pytest.mark.parametrize(("center", "width", "photometric"),
                         [(-600, 1500, "MONOCHROME2"), (40, 400, "MONOCHROME1")])  # fmt: skip
def test_another_window_or_photometric_gets_a_table_of_its_own(ct, center, width, photometric):
    pixels = frame_pixels(ct, 0)
    display.grey_to_8_bit(pixels, with_window(ct, 40, 400))
    view = with_window(ct, center, width, photometric)

    grey = display.grey_to_8_bit(pixels, view)

    assert np.array_equal(grey, through_the_pipeline(pixels, view))


def test_a_frame_without_a_window_is_stretched_over_its_own_range(ct):
    plain = copy.deepcopy(ct)
    del plain.WindowCenter, plain.WindowWidth
    view = frame_view(plain, 0)
    pixels = frame_pixels(ct, 0)
    narrow = (pixels // 4).astype(pixels.dtype)

    grey, narrow_grey = display.grey_to_8_bit(pixels, view), display.grey_to_8_bit(narrow, view)

    assert grey.min() == narrow_grey.min() == 0 and grey.max() == narrow_grey.max() == 255
    assert np.array_equal(narrow_grey, through_the_pipeline(narrow, view))
