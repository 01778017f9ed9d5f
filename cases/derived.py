"""What is derived from cases, refreshed in one place: each case's cover image, its search vectors
and the lexicon of misspellings (cases/search.py), the counts per combination of facet values
(cases/counts/: browse counts, facets and the homepage's statistics, kept in the transaction of
the save), and the content version (cases/caching.py)
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
from cases.counts import keeping


def refresh(case=None, *, text=False, cover=False, deleted=None):
    """After a case, or a row it is made of, changed: its search vectors if its text may have
    changed, its cover if its images may have, its counts, and in any case the content version.
    deleted: the id of a case just deleted, whose counts go. Without either (a row loaded raw,
    an annotation), the content version alone."""
    if case is not None and text:
        search.refresh(case.pk)  # read afresh: a signal's instance may hold stale prefetched rows
    if case is not None and cover:
        case.ensure_cover()
    if case is not None or deleted is not None:
        keeping.recount([case.pk if case is not None else deleted])
    new_content_version()


def refresh_many(cases):
    """After many cases changed at once (a queryset, whose rows are read in a few queries): their
    search vectors, in batches, and the content version once."""
    if search.ranks():
        search.update_vectors_of(list(cases.select_related("anatomy", "category")))
    keeping.recount(cases.values_list("pk", flat=True))
    new_content_version()


def added_in_bulk(case_ids):
    """After a bulk load wrote these cases with their covers, search vectors and lexemes
    (generate_cases): whatever else derives from cases, their counts and the content version."""
    if case_ids:
        keeping.recount(case_ids)
        new_content_version()
