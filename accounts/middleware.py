from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject

from accounts import cached_users


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the session's user taken from what loading the session read beside it
    (accounts/sessions.py): one round trip to Redis for both on a logged-in page."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))

    def process_response(self, request, response):
        """A logged-in reader without a CSRF cookie is given one (CsrfViewMiddleware, after this,
        sets it): the header's log-out form and the viewer's annotations send its secret
        (static/accounts/csrf.js), on pages that carry no token of their own. A reader who has
        one is not sent it again with every page. Only where the page asked who the reader is."""
        if hasattr(request, "_cached_user") and "CSRF_COOKIE" not in request.META:
            if request.user.is_authenticated:
                get_token(request)
        return response


def _user(request):
    if not hasattr(request, "_cached_user"):
        session = request.session
        session.get(SESSION_KEY)  # loaded here, so that what it read beside it is known
        with cached_users.offered(getattr(session, "user_found", None)):
            request._cached_user = auth.get_user(request)
    return request._cached_user
