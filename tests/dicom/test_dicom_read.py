"""Reading DICOM: files without preamble or file meta, what check_image says an object is,
geometry and per-frame values (enhanced multi-frame functional groups included), the ordering of
a series, and the stored values handed to the viewer."""

import copy
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    MPEG4HP41,
    BasicTextSRStorage,
    ComputedRadiographyImageStorage,
    CTImageStorage,
    DeflatedExplicitVRLittleEndian,
    EncapsulatedCDAStorage,
    EncapsulatedPDFStorage,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    GrayscaleSoftcopyPresentationStateStorage,
    ImplicitVRLittleEndian,
    KeyObjectSelectionDocumentStorage,
    MediaStorageDirectoryStorage,
    RawDataStorage,
    RTDoseStorage,
    RTImageStorage,
    RTPlanStorage,
    RTStructureSetStorage,
    SegmentationStorage,
    TwelveLeadECGWaveformStorage,
    generate_uid,
)

from dicom.frames import (
    frame_rescale,
    frame_windows,
    orientation,
    pixel_spacing,
    position,
    slice_position,
    slice_thickness,
    sort_key,
    stored_values,
    to_picture,
)
from dicom.reading import DicomError, ReadLimits, check_image, read_dataset

LIMITS = ReadLimits()


def sample(name):
    return read_dataset(Path(get_testdata_file(name)).read_bytes(), LIMITS)


def grey(values, sop_class=CTImageStorage, bits_stored=12, **elements):
    """A grey dataset of the given values (int16 or uint16) and elements, with file meta."""
    values = np.asarray(values)
    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, generate_uid()
    ds.set_pixel_data(values, "MONOCHROME2", bits_stored)
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


def file_bytes(ds):
    out = BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def bare_bytes(ds, implicit, little):
    """The data set alone, as old writers and some archives store it: no preamble, no meta."""
    bare = copy.deepcopy(ds)
    del bare.file_meta
    out = BytesIO()
    bare.save_as(out, implicit_vr=implicit, little_endian=little)
    return out.getvalue()


PIXELS = np.arange(-6, 6, dtype=np.int16).reshape(3, 4)


# --- Files without preamble or file meta ----------------------------------------------------------


def test_a_raw_implicit_vr_file_is_read_and_its_transfer_syntax_recorded():
    ds = sample("OT-PAL-8-face.dcm")  # pydicom-data: no preamble, no file meta
    check_image(ds, LIMITS)

    assert ds.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
    assert to_picture(ds).size == (ds.Columns, ds.Rows)


@pytest.mark.parametrize(
    "implicit, little, syntax",
    [(True, True, ImplicitVRLittleEndian), (False, True, ExplicitVRLittleEndian)],
    ids=["implicit VR little endian", "explicit VR little endian"],
)
def test_a_data_set_written_without_preamble_or_meta_is_read(implicit, little, syntax):
    data = bare_bytes(grey(PIXELS), implicit, little)
    assert data[:2] == b"\x08\x00" and data[128:132] != b"DICM"

    ds = read_dataset(data, LIMITS)
    check_image(ds, LIMITS)

    assert ds.file_meta.TransferSyntaxUID == syntax
    assert np.array_equal(stored_values(ds), PIXELS)


def test_a_big_endian_file_without_meta_is_read():
    ds = sample("ExplVR_BigEndNoMeta.dcm")

    assert ds.file_meta.TransferSyntaxUID == ExplicitVRBigEndian
    with pytest.raises(DicomError, match="RT Ion Plan Storage is a radiotherapy plan"):
        check_image(ds, LIMITS)


def test_file_meta_without_a_preamble_is_read():
    data = file_bytes(grey(PIXELS))[132:]

    ds = read_dataset(data, LIMITS)

    assert np.array_equal(stored_values(ds), PIXELS)


def test_a_preamble_holding_another_formats_header_is_still_dicom():
    data = file_bytes(grey(PIXELS))
    polyglot = b"II*\x00" + bytes(124) + data[128:]  # the preamble is free (PS3.10 7.1)

    assert np.array_equal(stored_values(read_dataset(polyglot, LIMITS)), PIXELS)


def test_a_deflated_sample_is_read_without_pydicom_inflating_it():
    ds = sample("image_dfl.dcm")
    check_image(ds, LIMITS)

    assert ds.file_meta.TransferSyntaxUID == DeflatedExplicitVRLittleEndian
    assert to_picture(ds).size == (512, 512)


# --- What an object is --------------------------------------------------------------------------


def an_object(sop_class, pixels=False, **elements):
    ds = grey(PIXELS, sop_class) if pixels else Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, generate_uid()
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return read_dataset(file_bytes(ds), LIMITS)


KEY_OBJECTS = "a key object selection (a list of flagged images)"
PRESENTATION_STATE = "a presentation state (display settings for other images)"


@pytest.mark.parametrize(
    "sop_class, pixels, what",
    [
        (BasicTextSRStorage, False, "a structured report"),
        (KeyObjectSelectionDocumentStorage, False, KEY_OBJECTS),
        (GrayscaleSoftcopyPresentationStateStorage, False, PRESENTATION_STATE),
        (TwelveLeadECGWaveformStorage, False, "a waveform (signals such as an ECG)"),
        (RawDataStorage, False, "raw data"),
        (EncapsulatedPDFStorage, False, "an encapsulated document"),
        (EncapsulatedCDAStorage, False, "an encapsulated document"),
        (RTPlanStorage, False, "a radiotherapy plan"),
        (RTStructureSetStorage, False, "a radiotherapy structure set"),
        (RTDoseStorage, True, "a radiotherapy dose grid"),
        (SegmentationStorage, True, "a segmentation"),
        (MediaStorageDirectoryStorage, False, "a DICOMDIR (the index of a disc's files)"),
    ],
    ids=lambda value: value.name if hasattr(value, "name") else None,
)
def test_check_image_names_what_a_non_image_is(sop_class, pixels, what):
    ds = an_object(sop_class, pixels)

    with pytest.raises(DicomError) as caught:
        check_image(ds, LIMITS)

    assert caught.value.code == "not_an_image"
    assert str(caught.value) == f"{sop_class.name} is {what}, not an image"


def test_an_rt_image_is_an_image():
    check_image(an_object(RTImageStorage, pixels=True), LIMITS)


def test_an_image_without_pixel_data_is_refused():
    with pytest.raises(DicomError, match="this CT Image Storage file has no pixel data") as caught:
        check_image(an_object(CTImageStorage), LIMITS)

    assert caught.value.code == "no_pixels"


def test_a_nearly_empty_file_is_not_a_dicom_image():
    ds = read_dataset(b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 100", LIMITS)

    with pytest.raises(DicomError, match="not a DICOM image") as caught:
        check_image(ds, LIMITS)

    assert caught.value.code == "not_dicom"


def test_an_incomplete_pixel_description_is_named():
    ds = grey(PIXELS)
    del ds.BitsStored, ds.PixelRepresentation

    with pytest.raises(DicomError) as caught:
        check_image(ds, LIMITS)

    missing = "no Bits Stored, Pixel Representation"
    assert str(caught.value) == f"its pixel description is incomplete: {missing}"


def test_a_photometric_interpretation_the_viewer_cant_show_is_refused():
    ds = grey(PIXELS, PhotometricInterpretation="HSV")

    with pytest.raises(DicomError, match="its pixels are HSV, which the viewer can't show"):
        check_image(ds, LIMITS)


def test_video_is_refused_up_front():
    ds = grey(PIXELS)
    ds.file_meta.TransferSyntaxUID = MPEG4HP41
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3"])

    with pytest.raises(DicomError, match="MPEG-4 AVC/H.264 High Profile / Level 4.1, which no"):
        check_image(ds, LIMITS)


# --- Geometry -----------------------------------------------------------------------------------


def test_the_geometry_of_a_ct_slice():
    ds = sample("CT_small.dcm")

    assert pixel_spacing(ds) == (0.661468, 0.661468)
    assert slice_thickness(ds) == 5.0
    assert orientation(ds) == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    assert position(ds) == (-158.135803, -179.035797, -75.699997)
    assert slice_position(ds) == pytest.approx(-75.699997)


def cr(**elements):
    return grey((PIXELS + 6).astype(np.uint16), ComputedRadiographyImageStorage, **elements)


def test_a_projection_radiograph_falls_back_to_imager_pixel_spacing():
    assert pixel_spacing(cr(ImagerPixelSpacing=[0.143, 0.139])) == (0.143, 0.139)


def test_pixel_spacing_wins_over_imager_pixel_spacing():
    ds = cr(PixelSpacing=[0.1, 0.1], ImagerPixelSpacing=[0.143, 0.143])

    assert pixel_spacing(ds) == (0.1, 0.1)


def test_without_spacing_or_with_zero_spacing_there_is_none():
    assert pixel_spacing(cr()) is None
    assert pixel_spacing(sample("RG1_UNCR.dcm")) is None  # its Pixel Spacing is 0\0


def test_malformed_geometry_reads_as_absent():
    data = file_bytes(grey(PIXELS, PixelSpacing=[0.5, 0.5], SliceThickness=7.25))

    ds = read_dataset(data.replace(b"0.5\\0.5", b"abc\\def").replace(b"7.25", b"x.25"), LIMITS)

    assert pixel_spacing(ds) is None
    assert slice_thickness(ds) is None


def oblique_slice(index, instance):
    """A slice of an oblique series, 2.5 mm apart: rows along x, columns tilted 30 degrees."""
    rows = np.array([1.0, 0.0, 0.0])
    columns = np.array([0.0, np.cos(np.pi / 6), -np.sin(np.pi / 6)])
    normal = np.cross(rows, columns)
    where = np.array([-120.0, 40.0, 300.0]) + 2.5 * index * normal
    return grey(
        PIXELS,
        ImageOrientationPatient=[*rows.round(6), *columns.round(6)],
        ImagePositionPatient=list(where.round(4)),
        InstanceNumber=instance,
    )


def test_a_series_given_out_of_order_sorts_by_slice_position():
    order = [3, 0, 4, 1, 2]
    series = {index: oblique_slice(index, instance=10 - index) for index in order}

    ranked = sorted(series, key=lambda index: sort_key(series[index]))

    assert ranked == [0, 1, 2, 3, 4]  # by position, though instance numbers run the other way
    gaps = np.diff([slice_position(series[index]) for index in ranked])
    assert gaps == pytest.approx([2.5] * 4, abs=1e-3)


def test_without_geometry_a_series_sorts_by_instance_number_then_frame():
    series = [(grey(PIXELS, InstanceNumber=n), frame) for n in (3, 1, 2) for frame in (1, 0)]

    ranked = sorted(series, key=lambda pair: sort_key(*pair))

    order = [(ds.InstanceNumber, frame) for ds, frame in ranked]
    assert order == [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]


def test_without_geometry_or_numbers_frames_keep_their_order():
    assert [sort_key(grey(PIXELS), frame) for frame in (0, 1)] == [(0, 0, 0), (0, 0, 1)]


# --- Enhanced multi-frame: functional groups ----------------------------------------------------


def test_an_enhanced_ct_keeps_its_values_in_shared_and_per_frame_functional_groups():
    ds = sample("eCT_Supplemental.dcm")  # pydicom-data: 2 frames, nothing at the top level

    for frame in (0, 1):
        assert frame_rescale(ds, frame) == (1.0, -1024.0)
        assert frame_windows(ds, frame) == [(49.0, 102.0)]
        assert pixel_spacing(ds, frame) == (0.388672, 0.388672)
        assert slice_thickness(ds, frame) == 10.0
        assert orientation(ds, frame) == (-1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    assert position(ds, 0) == (99.5, -301.5, -159.0)
    assert position(ds, 1) == (99.5, -301.5, -149.0)
    assert (slice_position(ds, 0), slice_position(ds, 1)) == (159.0, 149.0)  # the normal is -z
    assert sorted((0, 1), key=lambda frame: sort_key(ds, frame)) == [1, 0]


def with_own_groups(ds, frame, **sequences):
    """A copy of `ds` whose frame has its own functional group items, each {keyword: value}."""
    ds = copy.deepcopy(ds)
    groups = ds.PerFrameFunctionalGroupsSequence[frame]
    for sequence, elements in sequences.items():
        item = Dataset()
        for keyword, value in elements.items():
            setattr(item, keyword, value)
        setattr(groups, sequence, [item])
    return ds


def test_a_frames_own_functional_groups_override_the_shared_ones():
    ds = with_own_groups(
        sample("eCT_Supplemental.dcm"),
        1,
        PixelValueTransformationSequence={"RescaleSlope": 2, "RescaleIntercept": -2048},
        FrameVOILUTSequence={"WindowCenter": [40, 400], "WindowWidth": [80, 2000]},
        PixelMeasuresSequence={"PixelSpacing": [0.5, 0.5]},
    )

    assert frame_rescale(ds, 0) == (1.0, -1024.0)
    assert frame_rescale(ds, 1) == (2.0, -2048.0)
    assert frame_windows(ds, 0) == [(49.0, 102.0)]
    assert frame_windows(ds, 1) == [(40.0, 80.0), (400.0, 2000.0)]
    assert pixel_spacing(ds, 1) == (0.5, 0.5)
    assert slice_thickness(ds, 1) == 10.0  # not in the frame's own item: the shared one's


def test_every_window_of_a_classic_image_is_listed_and_impossible_ones_left_out():
    ds = grey(PIXELS, WindowCenter=[40, 400, 50], WindowWidth=[80, 2000, 0])

    assert frame_windows(ds) == [(40.0, 80.0), (400.0, 2000.0)]


def test_linear_exact_windows_may_be_narrower_than_one():
    ds = grey(PIXELS, WindowCenter=0.5, WindowWidth=0.5, VOILUTFunction="LINEAR_EXACT")

    assert frame_windows(ds) == [(0.5, 0.5)]


def test_without_a_rescale_the_slope_is_one_and_the_intercept_zero():
    assert frame_rescale(grey(PIXELS)) == (1.0, 0.0)


# --- Stored values ------------------------------------------------------------------------------


def test_stored_values_are_signed_or_unsigned_16_bit_as_the_file_says():
    assert stored_values(grey(PIXELS)).dtype == np.int16
    assert stored_values(grey(PIXELS.astype(np.uint16) + 6)).dtype == np.uint16


def test_8_bit_stored_values_are_widened_to_16_bits():
    values = np.array([[0, 128, 255]], dtype=np.uint8)

    stored = stored_values(grey(values, bits_stored=8))

    assert stored.dtype == np.uint16
    assert stored.tolist() == [[0, 128, 255]]


def test_stored_values_honour_bits_stored():
    ds = grey(np.zeros((1, 3), dtype=np.int16))
    ds.PixelData = np.array([0xF123, 0x0FFF, 0x0800], dtype="<u2").tobytes()  # junk above bit 11

    assert stored_values(ds).tolist() == [[0x123, -1, -2048]]


def test_stored_values_of_a_big_endian_file_come_out_in_native_order():
    ds = sample("MR_small_bigendian.dcm")

    assert stored_values(ds).dtype.isnative
    assert np.array_equal(stored_values(ds), stored_values(sample("MR_small.dcm")))


def test_stored_values_refuse_colour():
    with pytest.raises(DicomError, match="its pixels are RGB, not grey values"):
        stored_values(sample("SC_rgb.dcm"))


def test_stored_values_refuse_more_than_16_bits():
    ds = grey(np.zeros((2, 2), dtype=np.uint16), BitsAllocated=32, BitsStored=32, HighBit=31)
    ds.PixelData = bytes(16)

    with pytest.raises(DicomError, match="its grey values have 32 bits, the viewer takes 16"):
        stored_values(ds)
