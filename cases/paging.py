"""A page of browse results, cheap at any depth, and what cases/_browse_results.html reads of it.

The cases of a page are found in two steps: their ids, by OFFSET over the ordering's index
(on PostgreSQL an index-only scan of case_newest or case_updated, which hold the columns every
counted filter tests, so skipping 50,000 cases reads no case row), then the page's 24 rows with
what their cards show. Past the middle of the results the ids are read from the other end of
the index in reverse, so the last page costs what the first does. Both need the exact number of
cases found, which the counts give (cases/counts/). A page whose count is an estimate
(cases/estimates.py: a search finding over ESTIMATE_ABOVE cases) is read by OFFSET and learns
whether a next page exists from one case more; its last page is the one with no next."""

from math import ceil


class ResultsPage:
    """The cases of one page, its number, and the count of all pages (exact or about)."""

    def __init__(self, number, cases, count, per_page, exact=True, has_next=None):
        self.number = number
        self.object_list = cases
        self.count = count
        self.exact = exact
        self.num_pages = max(1, ceil(count / per_page))
        self._has_next = number < self.num_pages if has_next is None else has_next

    def has_previous(self):
        return self.number > 1

    def has_next(self):
        return self._has_next

    def has_other_pages(self):
        return self.has_previous() or self.has_next()

    def previous_page_number(self):
        return self.number - 1

    def next_page_number(self):
        return self.number + 1


def exact_page(found, cards, number, count, per_page):
    """The page `number` (clamped to the last) of found, an ordered queryset of count cases.
    cards(ids) gives the cases with these ids with what a card shows, in any order."""
    last = max(1, ceil(count / per_page))
    number = min(max(1, number), last)
    start, stop = (number - 1) * per_page, min(number * per_page, count)
    ids = page_ids(found, start, stop, count)
    return ResultsPage(number, _in_order(cards(ids), ids), count, per_page)


def page_ids(found, start, stop, count):
    """The ids of found[start:stop], read from whichever end of its ordering is nearer."""
    ids = found.values_list("pk", flat=True)
    if start <= count - stop:
        return list(ids[start:stop])
    return list(ids.reverse()[count - stop:count - start])[::-1]


def estimated_page(found, number, estimate, per_page):
    """The page `number` of found, whose count is an estimate: by OFFSET, one case more to
    know whether a next page exists."""
    number = max(1, number)
    start = (number - 1) * per_page
    cases = list(found[start:start + per_page + 1])
    return ResultsPage(number, cases[:per_page], estimate, per_page, exact=False,
                       has_next=len(cases) > per_page)


def _in_order(cases, ids):
    by_id = {case.pk: case for case in cases}
    return [by_id[pk] for pk in ids if pk in by_id]
