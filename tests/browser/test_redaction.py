"""The redaction page in Chromium (static/viewer/redaction.js): the editor opens it from the
series' row on the study page, drags a rectangle over the text with the mouse, accepts OCR's
proposals, previews and applies; the stored pixels are black where the rectangles were."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from tests.browser.test_resident_journey import log_in
from tests.burned_in_text import draw_frame, secondary_capture
from tests.factories import add_dicom, make_case

pytestmark = pytest.mark.browser


@pytest.fixture
def series(vocabularies, alice):
    case = make_case(alice, images=0, status="draft")
    return add_dicom(case.studies.get(), [secondary_capture(frames=2)])


def drag(page, box, frame_box):
    """Drag over box (x, y, width, height in the frame's pixels) on the canvas."""
    x, y, width, height = box
    scale = frame_box["width"] / 320
    page.mouse.move(frame_box["x"] + x * scale, frame_box["y"] + y * scale)
    page.mouse.down()
    page.mouse.move(frame_box["x"] + (x + width / 2) * scale, frame_box["y"] + y * scale)
    page.mouse.move(frame_box["x"] + (x + width) * scale, frame_box["y"] + (y + height) * scale)
    page.mouse.up()


def full_pixels(image):
    with image.full.open("rb") as stored:
        return np.asarray(PILImage.open(io.BytesIO(stored.read())).convert("L"))


def test_the_editor_draws_accepts_previews_and_applies(page, series, alice):
    log_in(page, alice)
    page.goto(f"/admin/cases/study/{series.study_id}/change/")
    page.get_by_role("link", name="Remove burned-in text…").click()
    page.get_by_role("link", name="Find text in this frame").click()
    page.get_by_text("dashed: accept or discard each").wait_for()
    page.get_by_role("button", name="Accept every proposal").click()
    canvas = page.locator("#redaction-canvas")
    drag(page, (250, 200, 40, 30), canvas.bounding_box())  # a corner OCR has no reason to see
    assert page.locator("#redaction-list li", has_text="To black:").count() >= 7
    page.get_by_role("button", name="Preview").click()
    page.locator("img.redaction-preview").wait_for()
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("to black in 2 image(s)").wait_for()

    _, boxes = draw_frame()
    for image in series.images.all():
        pixels = full_pixels(image)
        for x, y, width, height in [*boxes.values(), (252, 202, 36, 26)]:
            assert pixels[y : y + height, x : x + width].max() == 0
