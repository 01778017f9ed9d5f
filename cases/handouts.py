"""PDF handouts of a case, rendered by WeasyPrint from the CaseView the page is built from.

A handout is built from `workflows.present()`, never from the Case, so an academic handout cannot
print a hidden field it was never given: not in its text, its metadata, its captions or its links.

A handout is made once per content of the case, workflow and paper, and kept in storage under
`generated/handouts/` (stored()): its name holds a digest of the HTML WeasyPrint is given, so an
edit that changes the handout makes a new file, and the old one is deleted when it does. Readers
are served the stored file; a flood of requests for one PDF renders it once.

Images reach WeasyPrint only through HandoutImages, a URL fetcher that serves the case's own
pictures from storage (`case-image:<pk>`; `case-image-annotated:<pk>` with its annotations
burned in, for the standard handout only) and refuses every other URL: rendering never opens a
file path or a network connection, whatever a template or a stored text may hold.
"""

import hashlib
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from PIL import Image as PILImage
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from cases.caching import content_version, fetch
from cases.models import Case
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
PAIR = "pair"
# What each part prints, in order: a workflow's handout, or the pair of a conference.
PARTS = {ACADEMIC: [ACADEMIC], STANDARD: [STANDARD], PAIR: [ACADEMIC, STANDARD]}
GENERATED = "generated/handouts"


def get_paper(request):
    """The paper the query string names (A4 when it names none), or 404."""
    paper = request.GET.get("paper", DEFAULT_PAPER)
    if paper not in PAPERS:
        raise Http404("No such paper size")
    return paper


def filename(pk, part, paper):
    """Built from ids only: a title or a diagnosis must never reach a download's name."""
    return f"case-{pk}-{part}-{paper}.pdf"


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


# --- made once, served from storage ----------------------------------------------------------


def stored(request, pk, part, paper, load_case):
    """The storage name of the handout (a workflow's, or the pair) of the case pk, made if missing.

    The name is cached under the content version, so a request for a handout made already costs a
    cache read and a stat, and the case is loaded (load_case(pk), with all it shows) only to make
    one; a name whose file is gone (a newer handout replaced it through another worker) is made
    again."""
    key = f"handouts:{content_version()}:{pk}:{part}:{paper}"
    name, _ = fetch(key, lambda: (store(request, load_case(pk), part, paper), True))
    if not default_storage.exists(name):
        name = store(request, load_case(pk), part, paper)
    return name


def store(request, case, part, paper):
    """Make the handout unless the one of this content is stored; delete its older versions."""
    pages = [_html(request, case, workflow, paper) for workflow in PARTS[part]]
    digest = hashlib.sha256("\0".join(pages).encode()).hexdigest()[:32]
    prefix = f"{folder(case.pk)}/{part}-{paper}-"
    name = f"{prefix}{digest}.pdf"
    with transaction.atomic():
        # The case's row lock: workers (and hosts) that miss the same handout at once wait for
        # the first one's file rather than each rendering it (a no-op on SQLite, where the
        # cache's lock in fetch() serialises the workers of one process).
        Case.objects.select_for_update().filter(pk=case.pk).exists()
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(write_pdf(pages, HandoutImages(case))))
            _delete_older(prefix, keep=name)
    return name


def folder(case_pk):
    return f"{GENERATED}/case-{case_pk}"


def _delete_older(prefix, keep):
    directory, start = prefix.rsplit("/", 1)
    _, files = default_storage.listdir(directory)
    for file in files:
        if file.startswith(start) and f"{directory}/{file}" != keep:
            default_storage.delete(f"{directory}/{file}")


# --- rendering ---------------------------------------------------------------------------------


def write_pdf(pages, images):
    """The PDF of the HTML pages, one after another, each starting on a new page. Metadata
    comes from the first (the academic half of a pair: the unknown)."""
    documents = [HTML(string=html, url_fetcher=images).render() for html in pages]
    first = documents[0]
    return first.copy([page for document in documents for page in document.pages]).write_pdf()


def _html(request, case, workflow, paper):
    view = present(case, workflow, studies=case.studies.all())
    return render_to_string(
        "cases/handout.html",
        {
            "case": view,
            "page_size": PAPERS[paper],
            "case_url": request.build_absolute_uri(view.get_absolute_url()),
            "image_scheme": ANNOTATED if workflow == STANDARD else SCHEME,
        },
        request=request,
    )
