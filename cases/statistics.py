"""The homepage's repository statistics, cached per content version (cases/caching.py), so any
save of a case or an image shows in them at once."""

from django.contrib.auth import get_user_model

from cases.caching import content_version, fetch
from cases.models import Case


def repository_statistics(version=None):
    """The homepage's counts of published cases, images and contributors, cached per version."""
    key = f"cases:statistics:{version or content_version()}"
    return fetch(key, lambda: (count_published(), True))[0]


def count_published():
    published = Case.objects.published()
    return {
        "cases": published.count(),
        "images": published.images().cleared().count(),
        "contributors": get_user_model()
        .objects.filter(cases__in=published)
        .distinct()
        .count(),
    }
