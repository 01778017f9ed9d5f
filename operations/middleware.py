"""One log line for each request: method, path, status, duration and user id.

Never the query string (a search names a diagnosis) nor anything of a case or a patient. In
LOG_FORMAT=json each field is a key of its own (repository/settings.py)."""

import logging
import time

from django.contrib.auth import SESSION_KEY
from django.utils.functional import empty

logger = logging.getLogger("operations.requests")


def user_id(request):
    """The user's id without a query of its own: the user when the view already read it, else
    the id the session holds when the session was already read. /healthz and anonymous cached
    pages read neither, and logging them must not add a query to what they cost."""
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "_wrapped", empty) is not empty:
        return user.pk if user.is_authenticated else None
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        value = session.get(SESSION_KEY)
        return int(value) if value and str(value).isdigit() else value
    return None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        # Until the response is made: a streamed body (a zip, a file) goes out after this.
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        uid = user_id(request)
        logger.info(
            "%s %s %s %.1f ms user %s", request.method, request.path, response.status_code,
            duration_ms, uid if uid is not None else "-",
            extra={"method": request.method, "path": request.path,
                   "status": response.status_code, "duration_ms": duration_ms, "user_id": uid},
        )
        return response
