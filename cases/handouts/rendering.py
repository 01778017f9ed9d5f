"""A case's handout from its CaseView: HTML from the templates, then a PDF laid out by layout.py."""

from django.conf import settings
from django.http import Http404
from django.template.loader import render_to_string

from cases.handouts import layout
from cases.handouts.images import ANNOTATED, SCHEME
from cases.workflows import STANDARD, present

# CSS page sizes by the names the `paper` query parameter takes.
PAPERS = {"a4": "A4", "letter": "letter"}
DEFAULT_PAPER = "a4"


def get_paper(request):
    """The paper the query string names (A4 when it names none), or 404."""
    paper = request.GET.get("paper", DEFAULT_PAPER)
    if paper not in PAPERS:
        raise Http404("No such paper size")
    return paper


def check_paper(paper):
    if paper not in PAPERS:
        raise ValueError(f"No such paper: {paper!r} (one of {', '.join(PAPERS)})")


def filename(pk, part, paper):
    """Built from ids only: a title or a diagnosis must never reach a download's name."""
    return f"case-{pk}-{part}-{paper}.pdf"


def image_scheme(workflow):
    """Annotations are burned into the pictures of the standard workflow only."""
    return ANNOTATED if workflow == STANDARD else SCHEME


def case_html(case, workflow, paper, case_url):
    """The HTML of the case's handout in the workflow; the case comes with all it shows."""
    view = present(case, workflow, studies=case.studies.all())
    return render_to_string(
        "cases/handout.html",
        {
            "case": view,
            "page_size": PAPERS[paper],
            "case_url": case_url(view),
            "image_scheme": image_scheme(workflow),
            "fit_prefix": workflow,
            "site_name": settings.SITE_NAME,
        },
    )


def write_pdf(pages, images):
    """The PDF of the HTML documents, one after another, each starting on a new page. Metadata
    comes from the first (the academic half of a pair: the unknown)."""
    documents = [layout.render(html, images) for html in pages]
    first = documents[0]
    return first.copy([page for document in documents for page in document.pages]).write_pdf()
