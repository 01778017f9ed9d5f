from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    display_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="Your name as shown on your cases, with credentials, e.g. "
        "“Joseph Junewick, MD FACR”. Left empty, your first and last name are shown.",
    )

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def group_names(self):
        """The names of the user's groups: one query per instance (none for a user read from the
        shared cache, accounts/cached_users.py, which holds them)."""
        return frozenset(self.groups.values_list("name", flat=True))

    def get_session_auth_hash(self):
        """A user read from the shared cache's copy was not given the password hash, only this
        HMAC of it; once the password is read or set again, the HMAC is computed from it."""
        if "password" not in self.__dict__ and hasattr(self, "cached_session_auth_hash"):
            return self.cached_session_auth_hash
        # Checked on every logged-in page: Django's HMAC, computed once per password hash.
        key = (self.password, settings.SECRET_KEY)
        found = _SESSION_AUTH_HASHES.get(key)
        if found is None:
            if len(_SESSION_AUTH_HASHES) >= SESSION_AUTH_HASHES_KEPT:
                _SESSION_AUTH_HASHES.clear()
            found = _SESSION_AUTH_HASHES[key] = super().get_session_auth_hash()
        return found


SESSION_AUTH_HASHES_KEPT = 1024
_SESSION_AUTH_HASHES = {}  # (password hash, secret key): get_session_auth_hash()
