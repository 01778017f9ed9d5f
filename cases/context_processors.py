from django.conf import settings

from cases.workflows import may_use_standard


def site(request):
    """The site's name, whether this reader may use the standard workflow (the header and the
    homepage offer it only then), and the CSRF cookie's name (the header's log-out form reads
    its token from it: static/accounts/csrf.js)."""
    return {
        "site_name": settings.SITE_NAME,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "may_use_standard": may_use_standard(request.user),
    }
