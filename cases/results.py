"""Browse results, cached: the part of a browse page that is the same for every reader (the
count, the filters with their facet counts, the tags, the cards and the pagination), rendered
once per workflow, query string, page and content version (cases/statistics.py).

At 100,000 cases that part costs a count, a query per facet and the cards; a save of any case or
image draws a new content version, so no reader sees results older than the last save. The
workflow is in the key, so an academic page is never served what standard shows; the reader is
not, because nothing in the fragment depends on who reads: it is rendered without the request
(no user, no CSRF token), and the header that names the reader is rendered around it.
"""

import hashlib

from urllib.parse import urlencode

from django.core.cache import cache
from django.utils.safestring import mark_safe

from cases.forms import BrowseForm
from cases.statistics import CACHE_SECONDS, content_version

TEMPLATE = "cases/_browse_results.html"


def page_number(value):
    """The page asked for as a whole number from 1 (the paginator clamps it to the last page)."""
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def key(workflow, params, page):
    """The cache key of a browse page: its workflow, its query string reduced to the browse
    form's own non-empty fields, in the form's order (so ?a=1&b=2 and ?b=2&a=1&x= share one
    entry), its page and the content version. Read before the form is built: a hit costs no
    query and no form."""
    pairs = [(name, params[name]) for name in BrowseForm.field_names(workflow) if params.get(name)]
    # Hashed: a query string may hold spaces and run long, and cache keys should not.
    digest = hashlib.sha256(urlencode(pairs).encode()).hexdigest()[:32]
    return f"cases:browse:{workflow}:{content_version()}:{page}:{digest}"


def cached(cache_key):
    """The fragment's HTML cached under this key, or None. Stored as UTF-8 bytes, which
    unpickle at memory speed, and marked safe again: it is our own rendering, escaped then."""
    data = cache.get(cache_key)
    return None if data is None else mark_safe(data.decode())


def store(cache_key, html):
    cache.set(cache_key, html.encode(), CACHE_SECONDS)
