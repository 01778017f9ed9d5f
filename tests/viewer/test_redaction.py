"""A redaction applied to a series (viewer/redaction/applying.py): every stored form of the
redacted frames is made again from the redacted pixels and compared pixel by pixel with what was
stored before: the DICOM file's decoded pixels, the full PNG and the stored values exactly, the
display JPEG away from the rectangles' edges (JPEG rings there), the thumbnail inside them."""

import io

import numpy as np
import pydicom
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image as PILImage

from cases.caching import content_version
from cases.models import Case
from dicom import frames, pixelstore
from dicom.errors import DicomError
from dicom.redaction import Rectangle
from tests.burned_in_text import TEXTS, draw_frame, sample, secondary_capture
from tests.factories import add_dicom, client_for, make_case
from tests.pages import post_confirmation, streamed
from viewer.models import Annotation, Image, Redaction
from viewer.redaction.applying import redact_series

IDENTIFYING = [t for t in TEXTS.values() if t != "LEFT KIDNEY"]  # the label stays, and so does
# the frame's brightest value: a frame without a window is shown over its own range.
JPEG_BLOCK = 16  # a colour JPEG's block of pixels coded together (8 x 8 after 2:1 subsampling)


def text_rectangles(names=IDENTIFYING):
    _, boxes = draw_frame()
    return [Rectangle(x - 1, y - 1, w + 2, h + 2) for text, (x, y, w, h) in boxes.items()
            if text in names]  # fmt: skip


@pytest.fixture
def series(alice):
    """A draft case's ultrasound-like series: one file of three frames with text drawn in."""
    case = make_case(alice, images=0, status="draft")
    return add_dicom(case.studies.get(), [secondary_capture(frames=3)])


@pytest.fixture
def ultrasound(alice):
    """pydicom-data's real ultrasound (RGB, text in its corners) in a draft case."""
    case = make_case(alice, images=0, status="draft")
    return add_dicom(case.studies.get(), [sample("pydicom-data:US1_UNCR.dcm")])


def stored(image):
    """Every stored form of an image, decoded: {form: array}."""
    with image.instance.file.open("rb") as f:
        ds = pydicom.dcmread(io.BytesIO(f.read()))
    forms = {"dicom": frames.frame_pixels(ds, image.frame), "dataset": ds}
    for kind in ("full", "display", "thumbnail"):
        with getattr(image, kind).open("rb") as f:
            mode = "RGB" if ds.SamplesPerPixel == 3 else "L"
            forms[kind] = np.asarray(PILImage.open(f).convert(mode))
    if image.pixels:
        with image.pixels.open("rb") as f:
            forms["pixels"] = pixelstore.decode(f.read(), image.height, image.width, False)
    return forms


def mask_of(rectangles, shape, grow=0, scale=1.0):
    mask = np.zeros(shape[:2], bool)
    for r in rectangles:
        top, left = int((r.y - grow) * scale), int((r.x - grow) * scale)
        bottom, right = int((r.y + r.height + grow) * scale), int((r.x + r.width + grow) * scale)
        mask[max(top, 0) : max(bottom, 0), max(left, 0) : max(right, 0)] = True
    return mask


def block_mask(rectangles, shape):
    """The JPEG blocks any rectangle touches: outside them JPEG codes the same pixels alike."""
    mask = mask_of(rectangles, shape)
    blocks = np.zeros(shape[:2], bool)
    for by in range(0, shape[0], JPEG_BLOCK):
        for bx in range(0, shape[1], JPEG_BLOCK):
            if mask[by : by + JPEG_BLOCK, bx : bx + JPEG_BLOCK].any():
                blocks[by : by + JPEG_BLOCK, bx : bx + JPEG_BLOCK] = True
    return blocks


def assert_every_form_redacted(before, after, rectangles, black=0):
    inside = mask_of(rectangles, before["dicom"].shape)
    for form in ("dicom", "full", "pixels"):
        if form in before:
            assert (after[form][inside] == black).all(), form
            assert (after[form][~inside] == before[form][~inside]).all(), form
    shrunk = mask_of(rectangles, inside.shape, grow=-3)
    assert after["display"][shrunk].max() <= 10  # of 255: JPEG rings only near the edges
    untouched = ~block_mask(rectangles, inside.shape)
    assert (after["display"][untouched] == before["display"][untouched]).all()
    scale = after["thumbnail"].shape[0] / inside.shape[0]
    small = mask_of(rectangles, after["thumbnail"].shape, grow=-4, scale=scale)
    assert after["thumbnail"][small].max() <= 16  # resampled, and JPEG at a lower quality
    assert after["dataset"].BurnedInAnnotation == "NO"


def test_every_stored_form_of_every_frame_is_black_inside_and_unchanged_outside(series, editor):
    before = [stored(image) for image in series.images.order_by("position")]
    rectangles = text_rectangles()
    for forms in before:
        assert forms["pixels"][mask_of(rectangles, forms["pixels"].shape)].max() == 255
    redact_series(series, rectangles, editor)
    after = [stored(image) for image in series.images.order_by("position")]
    assert len(after) == 3
    for old, new in zip(before, after, strict=True):
        assert_every_form_redacted(old, new, rectangles)


def test_the_real_ultrasounds_corners_are_black_in_every_stored_form(ultrasound, editor):
    image = ultrasound.images.get()
    before = stored(image)
    rectangles = [Rectangle(10, 20, 160, 90), Rectangle(490, 20, 140, 90)]
    redact_series(ultrasound, rectangles, editor)
    assert_every_form_redacted(before, stored(ultrasound.images.get()), rectangles)


def test_the_redaction_is_recorded_with_who_and_where(series, editor):
    done = redact_series(series, [Rectangle(0, 0, 50, 20)], editor)
    assert Redaction.objects.get() == done
    assert (done.author, done.rectangles, done.images, done.position) == (
        editor, [[0, 0, 50, 20]], 3, None
    )


def test_redacted_images_are_new_rows_with_new_files_and_the_old_files_go_after_commit(
    series, editor, django_capture_on_commit_callbacks
):
    old_images = list(series.images.order_by("position"))
    old_names = [name for image in old_images for name in image.stored_names()]
    old_file = series.instances.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        redact_series(series, [Rectangle(0, 0, 50, 20)], editor)
    new_images = list(series.images.order_by("position"))
    assert not {i.pk for i in new_images} & {i.pk for i in old_images}
    assert [i.position for i in new_images] == [i.position for i in old_images]
    instance = series.instances.get()
    assert instance.file.name != old_file and default_storage.exists(instance.file.name)
    assert not any(default_storage.exists(name) for name in old_names + [old_file])
    assert instance.sop_uid == str(stored(new_images[0])["dataset"].SOPInstanceUID)


def test_captions_annotations_and_the_cover_follow_their_image(series, alice, editor):
    image = series.images.order_by("position")[1]
    image.caption = "Upper pole"
    image.save()
    Annotation.objects.create(image=image, kind="text", points=[[4, 4]], label="a", author=alice)
    series.confirm_no_burned_in_text(editor)  # only a cleared series' image may be the cover
    case = series.study.case
    case.cover_image = image
    case.save()
    assert case.cover_image == image
    redact_series(series, [Rectangle(0, 0, 50, 20)], editor)
    moved = series.images.order_by("position")[1]
    assert moved.caption == "Upper pole"
    assert moved.annotations.get().label == "a"
    case.refresh_from_db()
    assert case.cover_image == moved


def test_one_frame_alone_is_redacted_and_the_others_keep_their_rows(series, editor):
    images = list(series.images.order_by("position"))
    before = stored(images[1])
    rectangles = text_rectangles()
    done = redact_series(series, rectangles, editor, image=images[1])
    assert done.position == 1 and done.images == 1
    now = list(series.images.order_by("position"))
    assert now[0].pk == images[0].pk and now[2].pk == images[2].pk
    assert now[1].pk != images[1].pk
    assert_every_form_redacted(before, stored(now[1]), rectangles)
    frame_zero = frames.frame_pixels(stored(now[1])["dataset"], 0)
    assert (frame_zero == stored(images[0])["dicom"]).all()  # the file's other frames as they were


def test_a_redaction_draws_a_new_content_version(series, editor):
    version = content_version()
    redact_series(series, [Rectangle(0, 0, 50, 20)], editor)
    assert content_version() != version


def test_a_stored_file_that_cannot_be_read_changes_nothing_and_leaves_no_file(series, editor):
    instance = series.instances.get()
    default_storage.delete(instance.file.name)
    default_storage.save(instance.file.name, io.BytesIO(b"not DICOM at all"))
    images = set(series.images.values_list("pk", "full"))
    folders_before = _stored_files()
    with pytest.raises(DicomError):
        redact_series(series, [Rectangle(0, 0, 50, 20)], editor)
    assert set(series.images.values_list("pk", "full")) == images
    assert not Redaction.objects.exists()
    assert _stored_files() == folders_before


def _stored_files():
    found, folders = set(), [""]
    while folders:
        folder = folders.pop()
        subfolders, files = default_storage.listdir(folder)
        folders += [f"{folder}{name}/" for name in subfolders]
        found |= {f"{folder}{name}" for name in files}
    return found


def test_a_redacted_ultrasound_is_confirmed_published_and_served_black_where_its_text_was(
    ultrasound, editor
):
    """The issue's end to end: the real ultrasound redacted, its series confirmed clean by an
    editor who looked at its frames, the case published; what readers are then sent (every
    rendition and the case's zip) holds black where the text was, and the old image is gone."""
    old = ultrasound.images.get()
    rectangles = [Rectangle(10, 20, 160, 90), Rectangle(490, 20, 140, 90)]
    redact_series(ultrasound, rectangles, editor)
    assert post_confirmation(client_for(editor), ultrasound).status_code == 302
    case = ultrasound.study.case
    case.status = Case.Status.PUBLISHED
    case.save()
    image = Image.objects.for_readers().get(series=ultrasound)
    reader = client_for(None)
    for kind in ("full", "display", "thumbnail"):
        response = reader.get(reverse("viewer:image_file", args=[image.pk, kind]))
        assert response.status_code == 200, kind
        served = np.asarray(PILImage.open(io.BytesIO(streamed(response))).convert("RGB"))
        scale = served.shape[0] / image.height
        inside = mask_of(rectangles, served.shape, grow=-4, scale=scale)
        assert served[inside].max() <= 16, kind  # black, give or take JPEG's error
    gone = reader.get(reverse("viewer:image_file", args=[old.pk, "full"]))
    assert gone.status_code == 404
