"""What is derived from cases, refreshed in one place: each case's cover image, its search vectors
and the lexicon of misspellings (cases/search.py), and the content version (cases/caching.py)
that keys every cache of cases, so that the homepage statistics, browse results and case pages
are recomputed on their next read.

Rows saved one by one reach these through the signals (cases/signals.py for cases and their
parts, viewer/signals.py for images); the upload pipeline calls refresh() after it publishes a
batch of images. generate_cases writes covers and search vectors with its rows, by COPY, which
sends no signals (cases/synthetic/loading.py, whose vectors are tested equal to refresh()'s),
then calls added_in_bulk() for the rest.
"""

from cases import search
from cases.caching import new_content_version


def refresh(case=None, *, text=False, cover=False):
    """After a case, or a row it is made of, changed: its search vectors if its text may have
    changed, its cover if its images may have, and in any case the content version. Without a
    case (one deleted, a row loaded raw), the content version alone."""
    if case is not None and text:
        search.refresh(case.pk)  # read afresh: a signal's instance may hold stale prefetched rows
    if case is not None and cover:
        case.ensure_cover()
    new_content_version()


def refresh_many(cases):
    """After many cases changed at once (a queryset, whose rows are read in a few queries): their
    search vectors, in batches, and the content version once."""
    if search.ranks():
        search.update_vectors_of(list(cases.select_related("anatomy", "category")))
    new_content_version()


def added_in_bulk(case_ids):
    """After a bulk load wrote these cases with their covers, search vectors and lexemes
    (generate_cases): whatever else derives from cases, which is the content version."""
    if case_ids:
        new_content_version()
