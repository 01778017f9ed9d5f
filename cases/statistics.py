"""The homepage's repository statistics, cached so a hit does not count every row."""

from django.contrib.auth import get_user_model
from django.core.cache import cache

from cases.models import Case
from viewer.models import Image

CACHE_KEY = "cases:statistics"
CACHE_SECONDS = 300  # an upper bound; saves and deletes clear it at once (cases.signals)


def repository_statistics():
    stats = cache.get(CACHE_KEY)
    if stats is None:
        stats = count_published()
        cache.set(CACHE_KEY, stats, CACHE_SECONDS)
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
    cache.delete(CACHE_KEY)
