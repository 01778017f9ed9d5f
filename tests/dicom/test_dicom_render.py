import copy

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from dicom.frames import to_picture


def sample(name):
    return pydicom.dcmread(get_testdata_file(name))


def grey_dataset(values, **elements):
    """A small MONOCHROME2 dataset holding values (unsigned 16-bit) and the given elements."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.set_pixel_data(np.asarray(values, dtype=np.uint16), "MONOCHROME2", 16)
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


@pytest.mark.parametrize(
    "name, mode, size",
    [
        ("CT_small.dcm", "L", (128, 128)),  # signed, with rescale to Hounsfield units
        ("MR_small.dcm", "L", (64, 64)),  # with a window
        ("examples_rgb_color.dcm", "RGB", (320, 240)),
        ("SC_rgb_jpeg_dcmtk.dcm", "RGB", (100, 100)),  # YBR_FULL, JPEG baseline
        ("examples_palette.dcm", "RGB", (800, 350)),  # PALETTE COLOR, 16-bit palette
        ("RG3_UNCR.dcm", "L", (1760, 1760)),  # MONOCHROME1 radiograph (pydicom-data)
    ],
)
def test_to_picture_returns_an_8_bit_image_of_the_frame_size(name, mode, size):
    picture = to_picture(sample(name))

    assert picture.mode == mode  # L and RGB are 8 bits per sample
    assert picture.size == size


def test_monochrome1_is_shown_inverted_relative_to_the_same_data_as_monochrome2():
    as_mono2 = sample("CT_small.dcm")
    as_mono1 = copy.deepcopy(as_mono2)
    as_mono1.PhotometricInterpretation = "MONOCHROME1"

    normal = np.asarray(to_picture(as_mono2), dtype=int)
    inverted = np.asarray(to_picture(as_mono1), dtype=int)

    assert normal.std() > 0
    assert np.array_equal(inverted, 255 - normal)


def test_the_window_applies_to_rescaled_values_not_stored_ones():
    # Stored 0..2000 with intercept -1000 are -1000..1000 HU; a window of 0 ± 50 HU then shows
    # stored 950 as black, 1000 as mid-grey and 1050 as white.
    ds = grey_dataset(
        [[0, 950, 1000, 1050, 2000]],
        RescaleSlope=1,
        RescaleIntercept=-1000,
        WindowCenter=0,
        WindowWidth=100,
    )

    grey = np.asarray(to_picture(ds))[0]

    assert grey[0] == grey[1] == 0
    assert 120 < grey[2] < 135
    assert grey[3] == grey[4] == 255


def test_without_a_window_the_frame_range_is_stretched_to_8_bits():
    ds = grey_dataset([[100, 200], [300, 400]])

    assert np.asarray(to_picture(ds)).tolist() == [[0, 85], [170, 255]]


def test_each_frame_of_a_multi_frame_dataset_can_be_rendered():
    ds = sample("SC_rgb_rle_2frame.dcm")
    frames = ds.pixel_array

    for frame in (0, 1):
        assert np.array_equal(np.asarray(to_picture(ds, frame)), frames[frame])
    with pytest.raises(IndexError):
        to_picture(ds, 2)


HOUNSFIELD = {"RescaleSlope": 1, "RescaleIntercept": -1024}


def with_own_window(ds, frame, center, width):
    """A copy of an enhanced dataset whose frame has its own Frame VOI LUT item."""
    ds = copy.deepcopy(ds)
    item = Dataset()
    item.WindowCenter, item.WindowWidth = center, width
    ds.PerFrameFunctionalGroupsSequence[frame].FrameVOILUTSequence = [item]
    return ds


def classic(ds, frame, **elements):
    """One frame of an enhanced dataset as a classic one, its values put at the top level."""
    return grey_dataset(ds.pixel_array[frame], **elements)


def test_an_enhanced_frame_is_shown_with_its_functional_groups_rescale_and_window():
    ds = sample("eCT_Supplemental.dcm")  # shared groups: intercept -1024, window 49/102
    expected = classic(ds, 0, **HOUNSFIELD, WindowCenter=49, WindowWidth=102)

    picture = np.asarray(to_picture(ds, 0))

    assert np.array_equal(picture, np.asarray(to_picture(expected)))
    assert picture.min() == 0 and picture.max() == 255  # a brain window clips, unlike min-max


def test_a_frames_own_window_overrides_the_shared_one_when_shown():
    ds = with_own_window(sample("eCT_Supplemental.dcm"), 1, 40, 400)
    expected = classic(ds, 1, **HOUNSFIELD, WindowCenter=40, WindowWidth=400)

    assert np.array_equal(np.asarray(to_picture(ds, 1)), np.asarray(to_picture(expected)))


def test_showing_a_frame_leaves_the_dataset_as_it_was():
    ds = sample("eCT_Supplemental.dcm")

    to_picture(ds, 0)

    assert "WindowCenter" not in ds and "RescaleSlope" not in ds


def test_of_several_windows_the_first_is_shown():
    several = grey_dataset([[0, 40, 80, 120]], WindowCenter=[60, 1000], WindowWidth=[40, 10])
    first = grey_dataset([[0, 40, 80, 120]], WindowCenter=60, WindowWidth=40)

    assert np.array_equal(np.asarray(to_picture(several)), np.asarray(to_picture(first)))


def test_an_impossible_window_is_ignored_rather_than_failing():
    ds = grey_dataset([[100, 200], [300, 400]], WindowCenter=250, WindowWidth=0)

    assert np.asarray(to_picture(ds)).tolist() == [[0, 85], [170, 255]]
