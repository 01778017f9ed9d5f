"""Slides of cases (cases.slides.deck) and a case's .pptx download: the unknowns hold no hidden
field anywhere in the file (every XML part, the document properties, media names, notes), the
answers hold the answer, pictures are the display renditions letterboxed (never stretched), and
the download follows the handouts' access rules.

Every part of the .pptx is read: it is a zip of XML parts and media."""

import zipfile
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image as PILImage
from pptx import Presentation

from cases import slides
from cases.models import Case
from dicom.archive import Member
from dicom.renditions import DISPLAY_SIZE
from tests.cases.test_handouts import markers_in as markers_in_text
from tests.factories import MARKERS, client_for, make_case, marker_case, png_bytes
from viewer.uploads import add_files

UNKNOWN_TITLE = "Wrist pain after a fall"


def everything_in(data):
    """Every member's name and bytes of the .pptx, as searchable text."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        parts = [f"{info.filename}\n{archive.read(info).decode('latin-1')}"
                 for info in archive.infolist()]
    return "\n".join(parts)


def markers_in(data):
    return markers_in_text(everything_in(data))


def slide_texts(data):
    return [" ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
            for slide in Presentation(BytesIO(data)).slides]


@pytest.fixture
def secret(alice):
    return marker_case(alice, discussion=f"First paragraph.\n\n{MARKERS['discussion']}")


def test_a_deck_of_unknowns_holds_no_hidden_field_anywhere_in_the_file(secret, alice):
    data = slides.deck([secret, make_case(alice)], title="Conference", part="unknowns")
    assert markers_in(data) == []
    presentation = Presentation(BytesIO(data))
    properties = presentation.core_properties
    assert (properties.title, properties.subject, properties.keywords, properties.comments) == (
        "Conference", "", "", ""
    )
    assert all(not slide.has_notes_slide for slide in presentation.slides)
    texts = slide_texts(data)
    assert len(texts) == 3  # the title slide, then an unknown per case
    assert f"Unknown 1: {UNKNOWN_TITLE}" in texts[1]
    assert secret.history in texts[1] and "Musculoskeletal" in texts[1]


def test_the_answers_hold_the_answer_and_the_discussion_in_the_notes(secret):
    data = slides.deck([secret], title="Key", part="answers")
    texts = slide_texts(data)
    assert len(texts) == 2
    for name in ("title", "diagnosis", "findings", "citation"):
        assert MARKERS[name] in texts[1]
    notes = Presentation(BytesIO(data)).slides[1].notes_slide.notes_text_frame.text
    assert MARKERS["discussion"] in notes


def test_both_parts_put_each_unknown_before_its_answer(secret, alice):
    other = make_case(alice, title="Second title", unknown_title="Second unknown")
    texts = slide_texts(slides.deck([secret, other], title="Both", part="both"))
    assert [text.split(":")[0] for text in texts[1:]] == [
        "Unknown 1", "Answer 1", "Unknown 2", "Answer 2"
    ]
    assert "Second title" in texts[4] and "Second title" not in texts[3]


def test_pictures_are_the_display_renditions_letterboxed_never_stretched(alice):
    case = make_case(alice, images=0)
    pictures = [png_bytes(size=(2400, 600)), png_bytes(size=(500, 1500))]
    add_files(case, [Member(f"p{n}.png", lambda d=data: BytesIO(d), 0)
                     for n, data in enumerate(pictures)], study=case.studies.get())
    presentation = Presentation(BytesIO(slides.deck([case], title="T", part="unknowns")))
    shown = [shape for shape in presentation.slides[1].shapes if shape.shape_type == 13]
    assert len(shown) == 2
    for shape in shown:
        width, height = PILImage.open(BytesIO(shape.image.blob)).size
        assert max(width, height) in (DISPLAY_SIZE, 1500)  # the display rendition, whole
        assert abs(shape.width / shape.height - width / height) < 0.01  # not stretched
        assert shape.left >= 0 and shape.left + shape.width <= presentation.slide_width
        assert shape.top + shape.height <= presentation.slide_height


def test_a_deck_shows_only_the_images_readers_may_see(alice):
    case = make_case(alice, images=2)
    series = case.studies.get().series.get()
    series.burned_in = True  # flagged, and no one confirmed it clean
    series.save()
    with zipfile.ZipFile(BytesIO(slides.deck([case], title="T", part="both"))) as archive:
        assert not [name for name in archive.namelist() if name.startswith("ppt/media/")]


def test_bad_input_is_refused_by_name(alice):
    draft = make_case(alice, status=Case.Status.DRAFT)
    with pytest.raises(ValueError, match=f"Not published: case {draft.pk}"):
        slides.deck([draft], title="T", part="both")
    with pytest.raises(ValueError, match="No such part"):
        slides.deck([make_case(alice)], title="T", part="all")
    with pytest.raises(ValueError, match="needs a title"):
        slides.deck([make_case(alice)], title="", part="both")


# --- a case's download ----------------------------------------------------------------------


def slides_url(case, workflow):
    return reverse("cases:slides", args=[workflow, case.pk])


def test_the_academic_download_is_the_unknown_slide_alone(secret):
    response = Client().get(slides_url(secret, "academic"))
    assert response.status_code == 200
    assert response["Content-Type"] == slides.CONTENT_TYPE
    assert response["Content-Disposition"] == (
        f'attachment; filename="case-{secret.pk}-academic.pptx"'
    )
    assert "private" in response["Cache-Control"]
    assert markers_in(response.content) == []
    assert Presentation(BytesIO(response.content)).core_properties.title == UNKNOWN_TITLE
    assert len(slide_texts(response.content)) == 2


def test_the_standard_download_holds_the_unknown_then_the_answer(secret):
    response = Client().get(slides_url(secret, "standard"))
    texts = slide_texts(response.content)
    assert [text.split(":")[0] for text in texts[1:]] == ["Unknown 1", "Answer 1"]
    assert MARKERS["diagnosis"] in texts[2]


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_a_draft_has_no_slides_even_for_its_author(alice, workflow):
    case = make_case(alice, status=Case.Status.DRAFT)
    assert client_for(alice).get(slides_url(case, workflow)).status_code == 404


def test_a_missing_case_has_no_slides(db):
    assert Client().get(reverse("cases:slides", args=["standard", 999999])).status_code == 404


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
def test_the_standard_slides_are_limited_to_the_standard_groups(secret, resident, attending):
    for client in (Client(), client_for(resident)):
        response = client.get(slides_url(secret, "standard"))
        assert response.status_code == 403
        assert markers_in_text(response.content.decode()) == []
        assert client.get(slides_url(secret, "academic")).status_code == 200
    assert client_for(attending).get(slides_url(secret, "standard")).status_code == 200


def test_slides_answer_only_get(secret):
    assert Client().post(slides_url(secret, "academic")).status_code == 405


def test_the_download_costs_the_same_queries_however_many_images(alice):
    counts = []
    for images in (1, 3):
        case = make_case(alice, images=images)
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(slides_url(case, "standard")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
