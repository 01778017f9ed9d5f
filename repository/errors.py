"""The site's 400 page, which says which of Django's request limits was exceeded."""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.shortcuts import render


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
