from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.utils.functional import SimpleLazyObject

from accounts import cached_users


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the session's user taken from what loading the session read beside it
    (accounts/sessions.py): one round trip to Redis for both on a logged-in page."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))


def _user(request):
    if not hasattr(request, "_cached_user"):
        session = request.session
        session.get(SESSION_KEY)  # loaded here, so that what it read beside it is known
        with cached_users.offered(getattr(session, "user_found", None)):
            request._cached_user = auth.get_user(request)
    return request._cached_user
