"""Browse with an author among filters alone (no search, no reader's own filter). The counts
(reading.py) have no author column: with it there were 372,245 rows at 100,000 cases, nearly one
a case, whose sums cost what counting the cases did. So these pages count the cases themselves,
through the indexes led by the author (case_author_newest, case_author_updated: that author's
entries alone, in the ordering of the pages, holding the row filters' columns, so that on
PostgreSQL the count is an index-only scan of that author's cases, 6 ms for 16,800 of 100,000).
The count being exact, a page's ids are read from the nearer end of its ordering as every page of
filters alone is (cases/paging.py), rather than by OFFSET over the wide rows (122 ms at depth
10,000). The facets are sampled as a search's are (cases/estimates.py)."""


def covers(form):
    """Whether this (valid) form chooses an author among filters alone."""
    active = form.active()
    return "author" in active and "memory" not in active and not form.search_text().split()


def total(found):
    """How many cases found (an estimates.Found of the form's cases) holds: what it read when
    they were few enough to count, else a count of the author's entries in their index."""
    return found.count if found.count is not None else found.cases.count()
