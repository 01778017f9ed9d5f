"""PDF handouts of cases, rendered by WeasyPrint from the CaseViews the pages are built from.

A handout is built from `workflows.present()`, never from the Case, so an academic handout cannot
print a hidden field it was never given: not in its text, its metadata, its captions or its links.

- `rendering.py`: a case's handout HTML, papers, and the PDF of several documents;
- `layout.py`: images shrink into the room left on a page rather than leave it half empty;
- `images.py`: HandoutImages, the URL fetcher that serves the cases' own pictures
  (`case-image:<pk>`; `case-image-annotated:<pk>` with annotations burned in, standard only)
  and refuses every other URL: rendering never opens a file path or a network connection;
- `storage.py`: a case's handouts made once per content, workflow and paper, kept in storage;
- `sets.py`: `set_pdf(cases, title=..., part=..., paper=...)`, one PDF for a set of cases.
"""

from cases.handouts.images import (
    ANNOTATED,
    PRINT_LONG_SIDE,
    SCHEME,
    HandoutImages,
    print_rendition,
)
from cases.handouts.rendering import PAPERS, filename, get_paper
from cases.handouts.sets import ANSWERS, BOTH, UNKNOWNS, set_pdf
from cases.handouts.storage import (
    GENERATED,
    PAIR,
    attachment,
    folder,
    listing,
    store,
    stored,
)

__all__ = [
    "ANNOTATED", "ANSWERS", "BOTH", "GENERATED", "PAIR", "PAPERS", "PRINT_LONG_SIDE", "SCHEME",
    "attachment",
    "UNKNOWNS", "HandoutImages", "filename", "folder", "get_paper", "print_rendition", "set_pdf",
    "listing", "store", "stored",
]
