"""The site's error pages that say more than Django's: the 400 page names the request limit
exceeded, and a database that is down gives 503, not 500."""

import sys

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults


def bad_request(request, exception):
    """Django's bad_request, with the cause: a request of too many form fields and one of too
    many files are refused alike (a SuspiciousOperation), and need different remedies."""
    context = {
        "too_many_fields": isinstance(exception, TooManyFieldsSent),
        "too_many_files": isinstance(exception, TooManyFilesSent),
        "max_fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
    }
    return render(request, "400.html", context, status=400)


def server_error(request):
    """handler500. A database that is down or restarting is no bug of the page: 503, which a
    browser or load balancer may retry (Retry-After), rendered without touching the database."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "10"
        return response
    return defaults.server_error(request)
