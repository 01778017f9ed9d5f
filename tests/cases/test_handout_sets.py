"""A set's PDF (cases.handouts.set_pdf): the unknowns hold no hidden field anywhere in the file,
the answer key prints each case whole, both parts come in order with the answers from a new
page, on A4 or Letter, with only the images readers may see. Bad input is refused by name."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from cases.handouts import set_pdf
from cases.models import Case
from tests.cases.test_handouts import POINTS, embedded, everything_in, markers_in, page_text
from tests.factories import MARKERS, make_case, marker_case

UNKNOWN_TITLE = "Wrist pain after a fall"


def read(data):
    return PdfReader(BytesIO(data))


@pytest.fixture
def conference(alice):
    """Two marker cases and a plain one, in the order the set gives them."""
    return [marker_case(alice), make_case(alice, history="Cough for a month."),
            marker_case(alice, unknown_title="Second unknown")]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_unknowns_hold_no_hidden_field_anywhere_in_the_file(conference, paper):
    data = set_pdf(conference, title="Thursday conference", part="unknowns", paper=paper)
    reader = read(data)
    assert markers_in(everything_in(reader)) == []
    assert markers_in(data.decode("latin-1")) == []
    assert markers_in(str(reader.xmp_metadata or "")) == []
    text = everything_in(reader)
    for expected in ("Thursday conference", "Unknown 1: " + UNKNOWN_TITLE, "Unknown 3: Second",
                     "Cough for a month.", "Unknown 2: Case "):
        assert expected in text
    assert reader.metadata.title == "Thursday conference"
    for page in reader.pages:
        assert (round(page.mediabox.width), round(page.mediabox.height)) == POINTS[paper]


def test_the_answer_key_prints_each_case_whole_with_its_annotations(conference):
    reader = read(set_pdf(conference, title="Key", part="answers"))
    text = everything_in(reader)
    for name in ("title", "diagnosis", "findings", "discussion", "citation", "differential"):
        assert MARKERS[name] in text
    assert "Answer 1: " + MARKERS["title"] in text
    unknowns = read(set_pdf(conference[:1], title="Key", part="unknowns"))
    answers = read(set_pdf(conference[:1], title="Key", part="answers"))
    assert embedded(answers)[0] != embedded(unknowns)[0]  # the annotation is burned in


def test_both_parts_put_the_unknowns_first_and_the_answers_from_a_new_page(conference):
    reader = read(set_pdf(conference, title="Both", part="both"))
    texts = [page_text(page) for page in reader.pages]
    first_answer = next(n for n, text in enumerate(texts) if "Answer key" in text)
    assert first_answer > 0
    assert texts[first_answer].split("Answer key")[0].strip().endswith("Both")  # page's top
    assert markers_in(" ".join(texts[:first_answer])) == []
    answers = " ".join(texts[first_answer:])
    assert answers.index("Answer 1:") < answers.index("Answer 2:") < answers.index("Answer 3:")
    assert markers_in(str(reader.metadata)) == []


def test_the_cases_print_in_the_order_given(conference):
    text = everything_in(read(set_pdf(conference[::-1], title="T", part="unknowns")))
    assert text.index("Unknown 1: Second unknown") < text.index("Unknown 3: " + UNKNOWN_TITLE)


def test_a_set_prints_only_the_images_readers_may_see(alice):
    case = make_case(alice, images=2)
    series = case.studies.get().series.get()
    series.burned_in = True  # flagged, and no one confirmed it clean
    series.save()
    reader = read(set_pdf([case], title="T", part="both"))
    assert embedded(reader) == []
    assert "No images in this study." in everything_in(reader)


def test_a_set_is_read_in_a_fixed_number_of_queries(alice):
    few = [make_case(alice)]
    many = [make_case(alice, images=2) for _ in range(3)]
    assert queries_of(few) == queries_of(many)


def queries_of(cases):
    with CaptureQueriesContext(connection) as queries:
        set_pdf(cases, title="T", part="both")
    return len(queries)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(title="T", part="everything"), "No such part"),
        (dict(title="T", part="both", paper="tabloid"), "No such paper"),
        (dict(title=" ", part="both"), "needs a title"),
    ],
)
def test_bad_arguments_are_refused_by_name(alice, arguments, message):
    with pytest.raises(ValueError, match=message):
        set_pdf([make_case(alice)], **arguments)


def test_a_draft_or_an_empty_list_is_refused(alice):
    draft = make_case(alice, status=Case.Status.DRAFT)
    with pytest.raises(ValueError, match=f"Not published: case {draft.pk}"):
        set_pdf([make_case(alice), draft], title="T", part="unknowns")
    with pytest.raises(ValueError, match="at least one case"):
        set_pdf([], title="T", part="unknowns")
