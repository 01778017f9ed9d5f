"""PDF handouts of a case, rendered by WeasyPrint from the CaseView the page is built from.

A handout is built from `workflows.present()`, never from the Case, so an academic handout cannot
print a hidden field it was never given: not in its text, its metadata, its captions or its links.

Images reach WeasyPrint only through HandoutImages, a URL fetcher that serves the case's own
pictures from storage (`case-image:<pk>`; `case-image-annotated:<pk>` with its annotations
burned in, for the standard handout only) and refuses every other URL: rendering never opens a
file path or a network connection, whatever a template or a stored text may hold.
"""

from io import BytesIO

from django.http import Http404
from django.template.loader import render_to_string
from PIL import Image as PILImage
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from cases.workflows import ACADEMIC, STANDARD, present
from dicom.annotating import Mark, burn_in

# CSS page sizes by the names the `paper` query parameter takes.
PAPERS = {"a4": "A4", "letter": "letter"}
DEFAULT_PAPER = "a4"
# About 300 dpi across six inches of page: enough for print, a fraction of a full CT frame.
PRINT_LONG_SIDE = 1800
JPEG_QUALITY = 90
GREY_MODES = {"1", "L", "LA"}
SCHEME = "case-image:"
ANNOTATED = "case-image-annotated:"  # annotations are hidden in academic: standard only


def get_paper(request):
    """The paper the query string names (A4 when it names none), or 404."""
    paper = request.GET.get("paper", DEFAULT_PAPER)
    if paper not in PAPERS:
        raise Http404("No such paper size")
    return paper


def filename(case, part, paper):
    """Built from ids only: a title or a diagnosis must never reach a download's name."""
    return f"case-{case.pk}-{part}-{paper}.pdf"


class HandoutImages(URLFetcher):
    """Serves `case-image:<pk>` for the images of one case, at print size; refuses all else.

    Encoded pictures are kept, so the pair handout encodes each image once for both halves.
    """

    def __init__(self, case):
        super().__init__(allowed_protocols=())
        self.images = {
            image.pk: image for study in case.studies.all() for image in study.images.all()
        }
        self.encoded = {}

    def fetch(self, url, headers=None):
        prefix = ANNOTATED if url.startswith(ANNOTATED) else SCHEME
        pk = url.removeprefix(prefix) if url.startswith(prefix) else ""
        if not pk.isdigit() or int(pk) not in self.images:
            raise ValueError("Handouts show only their case's own images.")
        key = (int(pk), prefix == ANNOTATED)
        if key not in self.encoded:
            self.encoded[key] = print_rendition(self.images[int(pk)], annotated=key[1])
        data, content_type = self.encoded[key]
        return URLFetcherResponse(url, data, {"Content-Type": content_type})


def print_rendition(image, annotated=False):
    """(bytes, content type) of the image's full rendition, at most PRINT_LONG_SIDE pixels long,
    with its annotations burned in if `annotated`.

    JPEG at quality 90, grey kept as one channel: on paper it is indistinguishable from lossless
    PNG, at a quarter of the size (a 1800 px chest radiograph: ~300 KB, against ~1.1 MB) and a
    hundredth of the encoding time.
    """
    with image.full.open("rb") as stored:
        picture = PILImage.open(stored)
        picture.load()
    picture.thumbnail((PRINT_LONG_SIDE, PRINT_LONG_SIDE), PILImage.Resampling.LANCZOS)
    marks = [Mark(a.kind, a.points, a.label) for a in image.annotations.all()] if annotated else []
    if marks:
        spacing = image.meta.get("spacing")
        picture = burn_in(picture, marks, picture.width / (image.width or picture.width), spacing)
    out = BytesIO()
    picture.convert("L" if picture.mode in GREY_MODES else "RGB").save(
        out, "JPEG", quality=JPEG_QUALITY
    )
    return out.getvalue(), "image/jpeg"


def render(request, case, workflow, paper):
    """The handout of the case in the workflow, as PDF bytes."""
    images = HandoutImages(case)
    return _document(request, case, workflow, paper, images).write_pdf()


def render_pair(request, case, paper):
    """A conference pair: the academic handout (the unknown) first, then the standard one (the
    answer key), each starting on a new page. Metadata comes from the academic half."""
    images = HandoutImages(case)
    unknown = _document(request, case, ACADEMIC, paper, images)
    answer = _document(request, case, STANDARD, paper, images)
    return unknown.copy([*unknown.pages, *answer.pages]).write_pdf()


def _document(request, case, workflow, paper, images):
    view = present(case, workflow, studies=case.studies.all())
    html = render_to_string(
        "cases/handout.html",
        {
            "case": view,
            "page_size": PAPERS[paper],
            "case_url": request.build_absolute_uri(view.get_absolute_url()),
            "image_scheme": ANNOTATED if workflow == STANDARD else SCHEME,
        },
        request=request,
    )
    return HTML(string=html, url_fetcher=images).render()
