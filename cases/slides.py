"""Slides of cases as a .pptx deck for a conference, built with python-pptx.

    deck(cases, title="Chest conference", part="both") -> bytes

A title slide, then per case (in the order given) an unknown slide (history, demographics, key
images at projector resolution) and/or an answer slide (diagnosis, findings, key points from the
discussion, references; the whole discussion in its notes). `part` is "unknowns", "answers" or
"both" (each case's unknown, then its answer).

The cases are read again as a set's handout reads them (`cases.handouts.sets.load`): published,
with only the images readers may see (`Image.objects.for_readers()`). An unknown slide is built
from the academic CaseView, so it cannot hold a field hidden in academic; a deck of unknowns
holds nothing hidden anywhere in the file, including its document properties (set here:
python-pptx's defaults name the library) and its notes (none). Pictures are the display
renditions (DISPLAY_SIZE on their long side), never annotated, letterboxed on black: scaled to
fit their box whole, never stretched.
"""

from io import BytesIO

from django.conf import settings
from django.utils import timezone
from PIL import Image as PILImage
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from cases.handouts.sets import load
from cases.workflows import ACADEMIC, STANDARD, present

UNKNOWNS, ANSWERS, BOTH = "unknowns", "answers", "both"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PARTS = {UNKNOWNS: [ACADEMIC], ANSWERS: [STANDARD], BOTH: [ACADEMIC, STANDARD]}
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9, as projectors are
MARGIN = Inches(0.4)
TEXT_WIDTH = Inches(4.6)  # the unknown's text column; the images take the rest
MAX_IMAGES = 4  # key images on an unknown slide: more would be too small to read from the room
HISTORY_CHARS = 900  # what fits the unknown's text column at 16 pt
EXCERPT_CHARS = 700  # the discussion's first paragraphs on the answer slide
MAX_REFERENCES = 3
BLACK, WHITE = RGBColor(0, 0, 0), RGBColor(0xFF, 0xFF, 0xFF)
TITLE_LAYOUT, TITLE_ONLY_LAYOUT = 0, 5


def deck(cases, *, title, part):
    """The .pptx (bytes) of the cases (Case objects or primary keys, published) in the order
    given. Raises ValueError for an unknown part, an empty title or list, or an unpublished case."""
    if part not in PARTS:
        raise ValueError(f"No such part: {part!r} (one of {', '.join(PARTS)})")
    if not str(title).strip():
        raise ValueError("A deck needs a title.")
    loaded = load(cases)
    presentation = _presentation(title, part, len(loaded))
    for number, case in enumerate(loaded, start=1):
        for workflow in PARTS[part]:
            view = present(case, workflow, studies=case.studies.all())
            if workflow == ACADEMIC:
                unknown_slide(presentation, view, case, number)
            else:
                answer_slide(presentation, view, number)
    out = BytesIO()
    presentation.save(out)
    return out.getvalue()


def _presentation(title, part, count):
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    _set_properties(presentation.core_properties, title)
    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_LAYOUT])
    slide.shapes.title.text = title
    _place(slide.shapes.title, MARGIN, Inches(2.2), WIDTH - 2 * MARGIN, Inches(1.6))
    subtitle = slide.placeholders[1]
    subtitle.text = f"{settings.SITE_NAME} · {count} case{'s' if count != 1 else ''}"
    subtitle.text_frame.add_paragraph().text = {
        UNKNOWNS: "Unknowns", ANSWERS: "Answers", BOTH: "Unknowns and answers"
    }[part]
    _place(subtitle, MARGIN, Inches(4.0), WIDTH - 2 * MARGIN, Inches(1.4))
    return presentation


def _set_properties(core, title):
    """Every document property written here: the deck's title and the site, nothing of a case."""
    core.title = title
    core.author = core.last_modified_by = settings.SITE_NAME
    for name in ("subject", "keywords", "comments", "category", "content_status",
                 "identifier", "language", "version"):
        setattr(core, name, "")
    core.revision = 1
    core.created = core.modified = timezone.now()  # not the template's


def unknown_slide(presentation, view, case, number):
    """History and demographics on the left, the key images on black on the right."""
    slide = _titled_slide(presentation, f"Unknown {number}: {view.heading}")
    box = slide.shapes.add_textbox(MARGIN, Inches(1.3), TEXT_WIDTH, HEIGHT - Inches(1.7))
    lines = [("History", _excerpt(view.history, HISTORY_CHARS)), ("Patient", _demographics(view))]
    _write(box.text_frame, [(label, text) for label, text in lines if text], size=16)
    left = MARGIN + TEXT_WIDTH + Inches(0.2)
    area = (left, Inches(1.3), WIDTH - left - MARGIN, HEIGHT - Inches(1.3) - MARGIN)
    images = key_images(view, case)
    for image, cell in zip(images, _cells(area, len(images)), strict=True):
        _letterboxed(slide, image, cell)
    return slide


def answer_slide(presentation, view, number):
    """Diagnosis, findings, key points and references; the whole discussion in the notes."""
    slide = _titled_slide(presentation, f"Answer {number}: {view.heading}")
    box = slide.shapes.add_textbox(MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, HEIGHT - Inches(1.7))
    findings = " ".join(s.findings for s in view.studies if s.findings)
    lines = [
        ("Diagnosis", view.diagnosis),
        ("Findings", _excerpt(findings, EXCERPT_CHARS)),
        ("Key points", _excerpt(view.discussion, EXCERPT_CHARS)),
        ("References", "\n".join(r.citation for r in view.references[:MAX_REFERENCES])),
    ]
    _write(box.text_frame, [(label, text) for label, text in lines if text], size=14)
    if view.discussion:
        slide.notes_slide.notes_text_frame.text = view.discussion
    return slide


def key_images(view, case):
    """The Image rows of the view's tiles, the key image (the cover) first, at most MAX_IMAGES."""
    rows = {image.pk: image for study in case.studies.all() for image in study.images.all()}
    tiles = [tile.pk for study in view.studies for tile in study.images]
    tiles.sort(key=lambda pk: pk != case.cover_image_id)  # stable: the rest keep their order
    return [rows[pk] for pk in tiles[:MAX_IMAGES]]


def _titled_slide(presentation, text):
    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_ONLY_LAYOUT])
    slide.shapes.title.text = text
    _place(slide.shapes.title, MARGIN, Inches(0.25), WIDTH - 2 * MARGIN, Inches(0.95))
    for paragraph in slide.shapes.title.text_frame.paragraphs:
        paragraph.font.size = Pt(28)
    return slide


def _demographics(view):
    modalities = ", ".join(m.code for m in view.modalities)
    parts = [view.age, view.sex.lower() if view.sex else "", getattr(view.anatomy, "name", ""),
             modalities]
    return "; ".join(part for part in parts if part)


def _write(frame, sections, size):
    frame.word_wrap = True
    first = True
    for label, text in sections:
        heading = frame.paragraphs[0] if first else frame.add_paragraph()
        first = False
        heading.text = label
        heading.font.bold, heading.font.size = True, Pt(size)
        for line in text.split("\n"):
            paragraph = frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(size)


def _excerpt(text, limit):
    """The text's first paragraphs up to limit characters, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _cells(area, count):
    """count boxes (left, top, width, height) tiling the area: one, side by side, or 2 x 2."""
    left, top, width, height = area
    if count <= 1:
        return [area][:count]
    columns, rows = (2, 1) if count == 2 else (2, 2)
    gap = Inches(0.1)
    w, h = (width - gap * (columns - 1)) // columns, (height - gap * (rows - 1)) // rows
    return [(left + c * (w + gap), top + r * (h + gap), w, h)
            for r in range(rows) for c in range(columns)][:count]


def _letterboxed(slide, image, cell):
    """The image's display rendition centred on a black box, scaled to fit it whole."""
    left, top, width, height = cell
    background = slide.shapes.add_shape(1, left, top, width, height)  # 1: a rectangle
    background.fill.solid()
    background.fill.fore_color.rgb = BLACK
    background.line.fill.background()
    with image.display.open("rb") as stored:
        data = stored.read()
    pixels_wide, pixels_high = PILImage.open(BytesIO(data)).size
    scale = min(width / pixels_wide, height / pixels_high)
    w, h = int(pixels_wide * scale), int(pixels_high * scale)
    picture = slide.shapes.add_picture(
        BytesIO(data), left + (width - w) // 2, top + (height - h) // 2, Emu(w), Emu(h)
    )
    picture.name = f"Image {image.pk}"
    return picture


def _place(shape, left, top, width, height):
    shape.left, shape.top, shape.width, shape.height = left, top, width, height
