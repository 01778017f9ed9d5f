"""The homepage's repository statistics, read from the counts kept on every save
(cases/counts/: one small query, however many cases and images there are) and cached per
content version (cases/caching.py), so any save of a case or an image shows in them at once."""

from cases.caching import content_version, fetch
from cases.counts import reading
from cases.models import Case


def repository_statistics(version=None):
    """The homepage's counts of published cases, images and contributors, cached per version."""
    key = f"cases:statistics:{version or content_version()}"
    return fetch(key, lambda: (reading.statistics(), True))[0]


def count_published():
    """The same figures counted from the cases themselves (what the counts must equal)."""
    published = Case.objects.published()
    return {
        "cases": published.count(),
        "images": published.images().cleared().count(),
        "contributors": published.order_by().values("author").distinct().count(),
    }
