"""The homepage's repository statistics, and the content version that every cache of what is
derived from cases is keyed by (these statistics, browse results in cases/results.py).

Any save or delete of a case or an image calls forget() (cases.signals, generate_cases), which
draws a new version: everything cached under the old one is never read again and expires. No
cache entry has to be found to be invalidated, and a shared cache (CACHE_URL) makes a save
through one worker stale in every worker at once.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from cases.models import Case
from viewer.models import Image

VERSION_KEY = "cases:version"
CACHE_SECONDS = 300  # an upper bound on staleness where a change reaches no forget()


def content_version():
    """A token that changes whenever a case or an image is saved or deleted."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
        version = cache.get(VERSION_KEY)  # another worker's, if it added one first
    return version


def repository_statistics():
    key = f"cases:statistics:{content_version()}"
    stats = cache.get(key)
    if stats is None:
        stats = count_published()
        cache.set(key, stats, CACHE_SECONDS)
    return stats


def count_published():
    published = Case.objects.published()
    return {
        "cases": published.count(),
        "images": Image.objects.published().count(),
        "contributors": get_user_model()
        .objects.filter(cases__in=published)
        .distinct()
        .count(),
    }


def forget():
    """Make everything cached from cases stale: now, for this process's next read, and again
    when the transaction commits, since another worker may meanwhile have cached a page built
    from the rows as they were before the commit, under the version drawn now."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version():
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
