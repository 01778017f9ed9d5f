"""The handouts' page layout, checked on real renders (WeasyPrint's boxes): an image is never
pushed to the next page while the page before had room for it at a readable height, so no page
but the last is more than half empty unless what follows could not fit there.

The shapes are those of the demo: one image, several tall images, a long discussion; in both
workflows, on A4 and Letter, for a case's handout and for a set."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from cases.handouts import HandoutImages, layout, rendering, set_pdf, sets
from cases.models import Case
from cases.views import get_published_case
from dicom.archive import Member
from tests.factories import make_case, png_bytes
from viewer.uploads import add_files

LONG_DISCUSSION = "\n\n".join(
    f"Paragraph {n}: " + "The lesion and its differential are discussed at length. " * 12
    for n in range(8)
)


def upload(case, sizes):
    study = case.studies.get()
    pictures = [png_bytes(size=size, shade=60 + n) for n, size in enumerate(sizes)]
    members = [Member(f"p{n}.png", lambda d=data: BytesIO(d), 0)
               for n, data in enumerate(pictures)]
    add_files(case, members, study=study)
    return get_published_case(case.pk)


SHAPES = {
    "one image": dict(sizes=[(1400, 1700)], discussion="Short."),
    "several images": dict(sizes=[(1200, 1500), (1500, 1200), (900, 1600), (1600, 900)],
                           discussion="Short."),
    "long discussion": dict(sizes=[(1400, 1700)], discussion=LONG_DISCUSSION),
}


def case_of_shape(author, shape):
    case = make_case(author, images=0, discussion=SHAPES[shape]["discussion"],
                     history="Pain for three weeks after a fall; no fever. " * 6)
    return upload(case, SHAPES[shape]["sizes"])


def wasted_pages(document):
    """The pages (by number) more than half empty although what starts the next page (its
    first image, after headings) could have fitted below them at a readable height."""
    pages = document.pages
    wasted = []
    for n, (page, after) in enumerate(zip(pages, pages[1:], strict=False)):
        if layout.fill(page) >= 0.5:
            continue
        box, next_box = page._page_box, after._page_box
        room = box.content_box_y() + box.height - layout.used_bottom(box)
        figure = layout._first_figure(next_box)
        if figure is None:
            if not starts_a_part(next_box):  # the answer key starts a new page: meant
                wasted.append(n + 1)  # text would have flowed into the room
            continue
        above_image = layout._image_of(figure).position_y - next_box.content_box_y()
        if room >= above_image + layout.MARGINS_PX + layout.READABLE_PX:
            wasted.append(n + 1)
    return wasted


def starts_a_part(page_box):
    first_heading = next(box for box in layout._descendants(page_box)
                         if getattr(box, "element_tag", None) == "h1")
    return "set-title" in (first_heading.element.get("class") or "")


def render_case(case, workflow, paper):
    html = rendering.case_html(case, workflow, paper, lambda view: "http://testserver/")
    return layout.render(html, HandoutImages(case))


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("workflow", ["standard", "academic"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_no_page_of_a_handout_is_left_half_empty_before_an_image_that_fits(
    alice, shape, workflow, paper
):
    document = render_case(case_of_shape(alice, shape), workflow, paper)
    assert wasted_pages(document) == []
    assert layout.pushed_images(document) == {}


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_an_unknown_with_one_image_prints_on_one_page(alice, paper):
    document = render_case(case_of_shape(alice, "one image"), "academic", paper)
    assert len(document.pages) == 1


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_an_image_pushed_to_the_next_page_is_shrunk_into_the_page_before(
    alice, paper, monkeypatch
):
    history = "Pain for three weeks after a fall; no fever. " * 38  # leaves ~90 mm on page 1
    case = upload(make_case(alice, images=0, history=history), [(1400, 1700)])
    monkeypatch.setattr(layout, "MAX_PASSES", 1)  # laid out once, as CSS alone would
    unfitted = render_case(case, "academic", paper)
    assert len(unfitted.pages) == 2 and layout.pushed_images(unfitted)
    monkeypatch.undo()
    fitted = render_case(case, "academic", paper)
    assert len(fitted.pages) == 1
    [image] = [box for box in layout._descendants(fitted.pages[0]._page_box)
               if type(box).__name__ == "BlockReplacedBox"]
    assert image.height >= layout.READABLE_PX


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("part", ["unknowns", "answers", "both"])
def test_a_set_follows_the_same_rule(alice, part, paper):
    cases = [case_of_shape(alice, shape) for shape in SHAPES]
    html = sets.set_html(cases, "Conference", part, paper)
    document = layout.render(html, HandoutImages(*cases))
    assert wasted_pages(document) == []


def test_the_fill_of_a_page_is_measured_from_its_content(alice):
    case = make_case(alice, images=0, history="Short.")
    document = render_case(Case.objects.for_readers().get(pk=case.pk), "academic", "a4")
    assert layout.fill(document.pages[0]) < 0.4  # a heading, details, a few lines
    long = make_case(alice, images=0, discussion=LONG_DISCUSSION)
    document = render_case(Case.objects.for_readers().get(pk=long.pk), "standard", "a4")
    assert len(document.pages) > 1 and layout.fill(document.pages[0]) > 0.9


def test_a_set_pdf_is_one_document_of_its_parts(alice):
    cases = [case_of_shape(alice, "one image"), case_of_shape(alice, "one image")]
    unknowns = PdfReader(BytesIO(set_pdf(cases, title="T", part="unknowns")))
    both = PdfReader(BytesIO(set_pdf(cases, title="T", part="both")))
    assert len(both.pages) > len(unknowns.pages)
