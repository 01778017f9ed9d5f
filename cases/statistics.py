"""The homepage's repository statistics, and the content version that every cache of what is
derived from cases is keyed by (cases/results.py: these statistics, browse results, case pages,
cards and random draws).

Any save or delete of a case or an image calls forget() (cases.signals, generate_cases), which
draws a new version: everything cached under the old one is never read again and expires. No
cache entry has to be found to be invalidated, and a shared cache (CACHE_URL) makes a save
through one worker stale in every worker at once.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from cases.caching import fetch
from cases.models import Case
from viewer.models import Image

VERSION_KEY = "cases:version"


def content_version():
    """A token that changes whenever a case or an image is saved or deleted. A round trip to the
    shared cache: a view reads it once and keys everything it caches with it."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
        version = cache.get(VERSION_KEY)  # another worker's, if it added one first
    return version


def repository_statistics(version=None):
    """The homepage's counts of published cases, images and contributors, cached per version."""
    key = f"cases:statistics:{version or content_version()}"
    return fetch(key, lambda: (count_published(), True))[0]


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
