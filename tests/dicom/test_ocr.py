"""Text found by OCR in a frame (dicom/ocr.py), proposed as rectangles to redact: with Debian's
tesseract, on frames with text Pillow drew at known places and on pydicom-data's real
ultrasound; and nothing, said plainly, when the binding is told the binary is missing."""

import pydicom
import pytesseract
import pytest
from PIL import Image

from dicom import frames, ocr
from tests.burned_in_text import draw_frame
from tests.dicom_samples import SAMPLES

# The lines of text burned into pydicom-data's US1_UNCR.dcm (x, y, width, height), read off the
# frame: the hospital, patient and study lines in its upper corners, the clock, the two labels
# beside each colour bar, the organ's name and the output power line.
US1_TEXT = [
    (18, 24, 152, 16), (18, 40, 72, 16), (18, 56, 52, 16), (18, 72, 62, 16), (20, 88, 40, 16),
    (278, 40, 84, 16), (498, 24, 122, 18), (548, 40, 72, 16), (528, 56, 92, 16),
    (568, 72, 52, 16), (558, 88, 62, 16), (8, 136, 32, 16), (598, 136, 32, 16),
    (8, 216, 32, 16), (598, 216, 32, 16), (248, 360, 112, 16), (398, 456, 222, 16),
]  # fmt: skip


def coverage(box, rectangle):
    """How much of box (x, y, width, height) the rectangle covers, from 0 to 1."""
    x, y, width, height = box
    rx, ry, rwidth, rheight = rectangle
    across = max(0, min(x + width, rx + rwidth) - max(x, rx))
    down = max(0, min(y + height, ry + rheight) - max(y, ry))
    return across * down / (width * height)


def found(box, proposals, most=0.9):
    return any(coverage(box, rectangle) >= most for rectangle in proposals)


def test_tesseract_is_available_here():
    assert ocr.available()


def test_every_line_drawn_on_a_frame_is_proposed_whole():
    pixels, boxes = draw_frame()
    proposals = ocr.text_boxes(Image.fromarray(pixels))
    assert all(found(box, proposals, most=1.0) for box in boxes.values())
    assert len(proposals) == len(boxes)  # one a line: nothing proposed in the speckle


def test_dark_text_on_a_light_page_is_found_too():
    pixels, boxes = draw_frame()
    proposals = ocr.text_boxes(Image.fromarray(255 - pixels))
    assert all(found(box, proposals, most=1.0) for box in boxes.values())


def test_the_text_of_a_real_ultrasound_is_found():
    ds = pydicom.dcmread(SAMPLES["pydicom-data:US1_UNCR.dcm"])
    proposals = ocr.text_boxes(frames.to_picture(ds, 0))
    missed = [box for box in US1_TEXT if not found(box, proposals)]
    assert not missed
    for box in proposals:  # proposals stay within the frame
        assert box[0] >= 0 and box[1] >= 0 and box[0] + box[2] <= 640 and box[1] + box[3] <= 480


@pytest.fixture
def no_tesseract(monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")


def test_without_the_tesseract_binary_nothing_is_available_and_nothing_is_found(no_tesseract):
    assert not ocr.available()
    pixels, _ = draw_frame()
    assert ocr.text_boxes(Image.fromarray(pixels)) == []
