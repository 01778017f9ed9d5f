"""Annotations burned into a picture for print (dicom/annotating.py): each kind drawn where its
points are, scaled with the picture, on a copy."""

import pytest
from PIL import Image

from dicom.annotating import COLOUR, Mark, burn_in, length_label


def black(size=(400, 300), mode="L"):
    return Image.new(mode, size)


def is_marked(picture, x, y):
    return picture.getpixel((x, y)) == COLOUR


def test_an_arrow_is_drawn_along_its_line_with_its_head_at_the_second_point():
    out = burn_in(black(), [Mark("arrow", [[50, 50], [250, 150]])])
    assert out.mode == "RGB"
    assert is_marked(out, 150, 100)  # halfway
    assert is_marked(out, 245, 146)  # the head, filled
    assert not is_marked(out, 50, 150)


def test_points_are_scaled_to_a_picture_resized_from_the_image():
    out = burn_in(black((200, 150)), [Mark("line", [[0, 100], [400, 100]])], scale=0.5)
    assert is_marked(out, 100, 50)
    assert not is_marked(out, 100, 100)


def test_an_ellipse_is_drawn_round_its_box_and_not_filled():
    out = burn_in(black(), [Mark("ellipse", [[100, 100], [300, 200]])])
    assert is_marked(out, 200, 101) and is_marked(out, 101, 150)
    assert not is_marked(out, 200, 150)


def test_a_text_label_is_written_at_its_point():
    out = burn_in(black(), [Mark("text", [[20, 150]], "Lucent band")])
    written = [x for x in range(400) if is_marked(out, x, 150)]
    assert written and min(written) >= 20


def test_the_picture_given_is_left_as_it_was():
    picture = black()
    burn_in(picture, [Mark("line", [[0, 0], [399, 299]])])
    assert picture.getextrema() == (0, 0)


@pytest.mark.parametrize(
    ("end", "spacing", "label"),
    [
        ([100, 0], None, "100 px"),
        ([100, 0], [0.5, 0.5], "50.0 mm"),
        ([200, 0], [1.0, 0.25], "50.0 mm"),  # across: the column spacing counts
    ],
)
def test_a_length_is_labelled_in_millimetres_where_the_image_has_a_spacing(end, spacing, label):
    assert length_label(Mark("length", [[0, 0], end]), spacing) == label
