from django.contrib.auth.backends import ModelBackend

from accounts import cached_users, reading


class UserBackend(ModelBackend):
    """Django's, but the user of a session is the one read beside the page's rows
    (accounts/reading.py), else read from the shared cache when there is one
    (accounts/cached_users.py): a logged-in page then sends no query for its reader."""

    def get_user(self, user_id):
        user = reading.offered(user_id)
        if user is None:
            if not cached_users.enabled():
                return super().get_user(user_id)
            user = cached_users.user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
