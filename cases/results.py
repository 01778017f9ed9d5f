"""Rendered parts of pages, cached: the parts that are the same for every reader of a workflow.

- Browse results (the count, the filters with their facet counts, the tags, the cards and the
  pagination), per workflow, query string and page.
- The case page's body (detail, images, answer or reveal form, previous/next), per workflow,
  case, query string and whether the reader revealed the answer.
- A pool of random case ids per workflow and query (the homepage's card and the random page
  draw from it), each case's card, and the homepage (statistics are in cases/statistics.py),
  per day and case of the day too (cases/daily/: its block and archive, keyed by the day).
- For an anonymous reader, the whole page around each of these (cases/views.py, `_page`).

Every key holds the content version (cases/caching.py), which any save of a case or an image
changes: nothing older than the last save is ever read again, and no entry has to be found to
be invalidated. The workflow is in every key, so academic is never served what standard shows;
the reader is not, because nothing cached depends on who reads: fragments are rendered without
the request (no user, no CSRF token), and what names the reader is rendered around them; a
whole page is cached only for readers with no session and no messages, for whom it is the same.

A view reads the content version once per request (one query) and fetches through
cases/caching.py: a hit is then one round trip to the cache, none in a worker that read it before.
"""

import hashlib
import random
import time
from urllib.parse import urlencode

from django.utils.safestring import mark_safe

from cases.forms import BrowseForm

BROWSE_TEMPLATE = "cases/_browse_results.html"
POOL_SIZE = 100  # random case ids drawn at once; a pool serves its minute
POOL_SECONDS = 60


def page_number(value):
    """The page asked for as a whole number from 1 (the paginator clamps it to the last page)."""
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def query_digest(workflow, params):
    """The query string reduced to the browse form's own non-empty fields, in the form's order
    (so ?a=1&b=2 and ?b=2&a=1&x= share one entry), hashed: a query string may hold spaces and
    run long, and cache keys should not. Read without building the form: a hit costs no query."""
    if not params:  # most pages: no query string at all
        return _NO_QUERY
    pairs = [(name, params[name]) for name in BrowseForm.field_names(workflow) if params.get(name)]
    return _digest(urlencode(pairs))


def _digest(querystring):
    return hashlib.sha256(querystring.encode()).hexdigest()[:32]


_NO_QUERY = _digest("")


def browse_key(version, workflow, params, page):
    return f"cases:browse:{workflow}:{version}:{page}:{query_digest(workflow, params)}"


def tally_key(counts_version, workflow, params):
    """The count, facet counts and top tags of filters alone, whatever the page and sort: keyed
    by the counts version (cases/caching.py), which a save of a case's text alone leaves as it
    was."""
    filters = {name: params.get(name) for name in BrowseForm.field_names(workflow)}
    filters.pop("sort")
    return f"cases:tally:{workflow}:{counts_version}:{query_digest(workflow, filters)}"


def terms_key(version):
    return f"cases:terms:{version}"


def case_key(version, workflow, pk, params, revealed):
    revealed = "revealed" if revealed else "unknown"
    return f"cases:case:{workflow}:{version}:{pk}:{revealed}:{query_digest(workflow, params)}"


def card_key(version, workflow, pk):
    return f"cases:card:{workflow}:{version}:{pk}"


def home_key(version, workflow, remembered, pk, day, daily_pk):
    return f"cases:home:{workflow}:{version}:{remembered}:{pk}:{day.isoformat()}:{daily_pk}"


def pool_key(version, workflow, params):
    # The minute is in the key: a pool is drawn again every minute even when nothing is saved.
    minute = int(time.time() // POOL_SECONDS)
    return f"cases:pool:{workflow}:{version}:{minute}:{query_digest(workflow, params)}"


def html(value):
    """A cached fragment as HTML again: it is our own rendering, escaped when it was made."""
    return None if value is None else mark_safe(value)


def draw_pool(cases):
    """Up to POOL_SIZE ids of these cases at random, by an indexed range scan on random_key from
    a random point (wrapping round to the start): random keys are independent draws, so any run
    of them in key order is a random sample. One query, two when the draw falls near the end."""
    by_key = cases.order_by("random_key").values_list("pk", flat=True)
    ids = list(by_key.filter(random_key__gte=random.random())[:POOL_SIZE])
    if len(ids) < POOL_SIZE:
        drawn = set(ids)
        ids += [pk for pk in by_key[: POOL_SIZE - len(ids)] if pk not in drawn]
    return ids
