from django.conf import settings

from cases.workflows import may_use_standard


def site(request):
    """The site's name, and whether this reader may use the standard workflow (the header and
    the homepage offer it only then)."""
    return {
        "site_name": settings.SITE_NAME,
        "may_use_standard": may_use_standard(request.user),
    }
