"""Burned-in text removed from a DICOM file's pixels (dicom/redaction.py): pure functions, no
database. Every pixel is compared: black inside the rectangles, the original outside them, on
pydicom-data's real ultrasound (uncompressed and JPEG 2000), pydicom's palette and multi-frame RLE
samples, and frames with text Pillow drew at known places."""

import numpy as np
import pytest
from pydicom.uid import ExplicitVRLittleEndian

from dicom import frames
from dicom.errors import DicomError
from dicom.image_pixel import frame_count
from dicom.redaction import CLEAN_PIXEL_DATA, METHOD, Rectangle, redact
from tests.burned_in_text import TEXTS, as_dataset, draw_frame, sample, secondary_capture

TOP_LEFT = Rectangle(10, 20, 150, 90)  # the hospital's name and the patient's IDs on US1
BOTTOM = Rectangle(390, 450, 250, 30)  # runs past the right edge: clipped to the frame


def decoded(data):
    ds = as_dataset(data)
    return ds, np.stack([frames.frame_pixels(ds, n) for n in range(frame_count(ds))])


def inside(rectangles, shape):
    mask = np.zeros(shape[:2], bool)
    for rectangle in rectangles:
        mask[rectangle.slices(*shape[:2])] = True
    return mask


def assert_redacted(before, after, rectangles, fill):
    """Every pixel inside a rectangle is `fill`; every other one is as it was."""
    mask = inside(rectangles, before.shape)
    assert (after[mask] == fill).all()
    assert (after[~mask] == before[~mask]).all()
    assert mask.any() and (~mask).any()


def test_the_ultrasound_sample_is_black_inside_the_rectangles_and_unchanged_outside():
    original = sample("pydicom-data:US1_UNCR.dcm")
    _, before = decoded(original)
    ds, after = decoded(redact(original, [TOP_LEFT, BOTTOM]))
    assert_redacted(before[0], after[0], [TOP_LEFT, BOTTOM], 0)
    assert ds.PhotometricInterpretation == "RGB"


def test_a_redacted_file_says_its_pixels_are_clean_and_how():
    original = as_dataset(sample("pydicom-data:US1_UNCR.dcm"))
    ds = as_dataset(redact(sample("pydicom-data:US1_UNCR.dcm"), [TOP_LEFT]))
    assert ds.BurnedInAnnotation == "NO"
    assert ds.PatientIdentityRemoved == "YES"
    assert METHOD in ds.DeidentificationMethod
    assert set(original.DeidentificationMethod) < set(ds.DeidentificationMethod)
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert codes == [item.CodeValue for item in original.DeidentificationMethodCodeSequence] + [
        CLEAN_PIXEL_DATA[0]
    ]


def test_a_redacted_file_is_a_new_instance_of_the_same_series():
    original = as_dataset(sample("pydicom-data:US1_UNCR.dcm"))
    ds = as_dataset(redact(sample("pydicom-data:US1_UNCR.dcm"), [TOP_LEFT]))
    assert ds.SOPInstanceUID != original.SOPInstanceUID
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.SeriesInstanceUID == original.SeriesInstanceUID
    assert ds.StudyInstanceUID == original.StudyInstanceUID
    given = redact(sample("pydicom-data:US1_UNCR.dcm"), [TOP_LEFT], sop_instance_uid="2.25.7")
    assert as_dataset(given).SOPInstanceUID == "2.25.7"


def test_redacting_twice_records_the_clean_pixel_data_option_once():
    twice = redact(redact(sample("pydicom-data:US1_UNCR.dcm"), [TOP_LEFT]), [BOTTOM])
    ds = as_dataset(twice)
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert codes.count(CLEAN_PIXEL_DATA[0]) == 1
    assert list(ds.DeidentificationMethod).count(METHOD) == 1


def test_a_compressed_file_is_decoded_redacted_and_written_uncompressed():
    original = sample("pydicom-data:US1_J2KR.dcm")  # JPEG 2000 lossless, YBR_RCT
    _, before = decoded(original)
    ds, after = decoded(redact(original, [TOP_LEFT]))
    assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert ds.PhotometricInterpretation == "RGB"
    assert ds.PlanarConfiguration == 0
    assert_redacted(before[0], after[0], [TOP_LEFT], 0)


def test_every_frame_of_a_multi_frame_file_is_redacted():
    original = sample("pydicom:SC_rgb_rle_2frame.dcm")
    _, before = decoded(original)
    rectangle = Rectangle(5, 5, 30, 20)
    _, after = decoded(redact(original, [rectangle]))
    for n in range(2):
        assert_redacted(before[n], after[n], [rectangle], 0)


def test_one_frame_alone_can_be_redacted():
    original = sample("pydicom:SC_rgb_rle_2frame.dcm")
    _, before = decoded(original)
    rectangle = Rectangle(5, 5, 30, 20)
    _, after = decoded(redact(original, [rectangle], frame=1))
    assert (after[0] == before[0]).all()
    assert_redacted(before[1], after[1], [rectangle], 0)


def test_text_drawn_at_known_places_is_gone_and_the_rest_of_the_frame_stays():
    original = secondary_capture(frames=3)
    _, before = decoded(original)
    _, boxes = draw_frame()
    rectangles = [Rectangle(x - 1, y - 1, w + 2, h + 2) for x, y, w, h in boxes.values()]
    _, after = decoded(redact(original, rectangles))
    for n in range(3):
        assert before[n][inside(rectangles, before[n].shape)].max() == 255  # the text was there
        assert_redacted(before[n], after[n], rectangles, 0)
    assert after.max() < 255  # no stroke of any text is left anywhere


def test_monochrome1_frames_are_filled_with_their_highest_value_which_shows_black():
    original = secondary_capture(photometric="MONOCHROME1")
    ds, before = decoded(original)
    rectangle = Rectangle(10, 8, 120, 70)
    ds, after = decoded(redact(original, [rectangle]))
    assert_redacted(before[0], after[0], [rectangle], before[0].max())
    picture = np.asarray(frames.to_picture(ds, 0))
    assert (picture[rectangle.slices(*picture.shape)] == 0).all()  # black as people see it


def test_palette_colour_frames_are_filled_with_the_palettes_darkest_entry():
    original = sample("pydicom:examples_palette.dcm")
    ds, before = decoded(original)
    rectangle = Rectangle(20, 30, 200, 100)
    ds, after = decoded(redact(original, [rectangle]))
    assert ds.PhotometricInterpretation == "PALETTE COLOR"
    picture = np.asarray(frames.to_picture(ds, 0)).astype(int)
    darkest = np.asarray(frames.to_picture(as_dataset(original), 0)).astype(int).sum(-1).min()
    assert (picture[rectangle.slices(*picture.shape[:2])].sum(-1) == darkest).all()
    mask = inside([rectangle], before[0].shape)
    assert (after[0][~mask] == before[0][~mask]).all()


def test_text_drawn_on_the_test_frame_lies_where_the_boxes_say():
    pixels, boxes = draw_frame()
    assert set(boxes) == set(TEXTS.values())
    for x, y, width, height in boxes.values():
        assert pixels[y : y + height, x : x + width].max() == 255


@pytest.mark.parametrize("values", [(-1, 0, 5, 5), (0, 0, 0, 5), (0, 0, 5, -2)])
def test_a_rectangle_must_lie_within_a_frame_and_cover_a_pixel(values):
    with pytest.raises(ValueError):
        Rectangle.of(values)


def test_a_frame_the_file_does_not_have_is_refused_with_a_reason():
    with pytest.raises(DicomError) as refused:
        redact(sample("pydicom-data:US1_UNCR.dcm"), [TOP_LEFT], frame=1)
    assert refused.value.code == "bad_frame"
    assert "the file has 1" in refused.value.reason
