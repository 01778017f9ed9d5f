"""One PDF for a set of cases, as a conference uses it: the unknowns, the answer key, or both.

    set_pdf(cases, title="Chest conference", part="both", paper="letter") -> bytes

The cases are read again from the database (load()): only published cases, and only the images
readers may see (`Image.objects.for_readers()`), whatever objects the caller holds. An unknown
is printed from its academic CaseView, so nothing hidden in academic (title, diagnosis,
captions, annotations...) reaches the unknowns part; the answer key prints each case as the
standard handout does, annotations burned in. The document's metadata holds the set's title and
the part, nothing of a case. Parts start on a new page; the cases of a part follow one another,
laid out by layout.py so that an image never leaves a page half empty when it could fit there.
"""

from django.conf import settings
from django.template.loader import render_to_string

from cases.handouts import layout
from cases.handouts.images import HandoutImages
from cases.handouts.rendering import PAPERS, check_paper, image_scheme
from cases.models import Case, Study
from cases.workflows import ACADEMIC, STANDARD, present

UNKNOWNS, ANSWERS, BOTH = "unknowns", "answers", "both"
# The workflows each part prints, in order, with the part's name and each case's label.
SET_PARTS = {
    UNKNOWNS: [(ACADEMIC, "Unknowns", "Unknown")],
    ANSWERS: [(STANDARD, "Answer key", "Answer")],
    BOTH: [(ACADEMIC, "Unknowns", "Unknown"), (STANDARD, "Answer key", "Answer")],
}


def set_pdf(cases, *, title, part, paper="a4", case_url=None):
    """The PDF (bytes) of the published cases, in the order given: `part` is "unknowns",
    "answers" or "both" (the unknowns, then the answer key from a new page); `paper` "a4" or
    "letter". `cases` are Case objects or primary keys; `case_url(view)`, when given, is the
    address printed and linked under each case (e.g. request.build_absolute_uri of
    view.get_absolute_url()). Raises ValueError for an unknown part or paper, an empty title
    or list, or a case that is not published (naming it)."""
    check_paper(paper)
    if part not in SET_PARTS:
        raise ValueError(f"No such part: {part!r} (one of {', '.join(SET_PARTS)})")
    if not str(title).strip():
        raise ValueError("A set needs a title.")
    loaded = load(cases)
    html = set_html(loaded, title, part, paper, case_url)
    return layout.render(html, HandoutImages(*loaded)).write_pdf()


def load(cases):
    """The cases with all they show, in the order given; ValueError for none or a draft."""
    pks = [case if isinstance(case, int) else case.pk for case in cases]
    if not pks:
        raise ValueError("A set needs at least one case.")
    # The annotations come with the images: the answer key burns them in.
    images = Study.image_model().objects.for_readers().prefetch_related("annotations")
    found = Case.objects.published().showing(images).in_bulk(pks)
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise ValueError(f"Not published: case {', '.join(map(str, missing))}")
    return [found[pk] for pk in pks]


def set_html(cases, title, part, paper, case_url=None):
    parts = [
        {"name": name, "entries": [
            _entry(case, n, workflow, label, case_url) for n, case in enumerate(cases, start=1)
        ]}
        for workflow, name, label in SET_PARTS[part]
    ]
    return render_to_string(
        "cases/handout_set.html",
        {
            "title": title,
            "description": " and ".join(p["name"] for p in parts),
            "parts": parts,
            "page_size": PAPERS[paper],
            "site_name": settings.SITE_NAME,
        },
    )


def _entry(case, number, workflow, label, case_url):
    view = present(case, workflow, studies=case.studies.all())
    return {
        "case": view,
        "label": f"{label} {number}",
        "url": case_url(view) if case_url else "",
        "scheme": image_scheme(workflow),
        "fit_prefix": f"{workflow}-{number}",
    }
