"""The session store with CACHE_URL: Django's cached_db, with a logged-in reader's session and
user read from Redis in one round trip.

A logged-in page reads its session from the shared cache, then the session's user
(accounts/cached_users.py), whose keys need the user's id, which only the session holds: two round
trips on every page. So once a reader has logged in, their session's key carries their id after
the random part (the key is cycled once more at login: accounts/signals.py), and loading the
session reads the user's copy and stamp in the same MGET. The id in a key is a hint and nothing
more: the user is still the one the session's data names (a copy read for another id is never
used), and a key without an id (a session from before, an id too long) loads as Django's does.
The hottest pages read neither here: their own statement reads the session's row and the user's
for the id in the key (accounts/reading.py).
"""

import functools

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.core import signing
from django.utils.crypto import get_random_string

from accounts import cached_users

RANDOM_LENGTH = 32  # as Django's keys
KEY_LENGTH = 40  # django_session.session_key
SEPARATOR = "-"  # not among VALID_KEY_CHARS, so the random part never holds it


class SessionStore(cached_db.SessionStore):
    # The user's copy and stamp read beside the session: (user id, {key: value}), or None.
    user_found = None

    def _get_new_session_key(self):
        hint = user_hint_for(getattr(self, "_session_cache", {}).get(SESSION_KEY))
        while True:
            key = get_random_string(RANDOM_LENGTH, VALID_KEY_CHARS) + hint
            if not self.exists(key):
                return key

    def decode(self, session_data):
        """Django's, with the signature of data this process has checked before not checked
        again: the same session's data comes back on every page, and its HMAC cost more than
        the rest of reading it. The check is a function of the data and the keys alone."""
        try:
            data = _verified(session_data, self.key_salt, settings.SECRET_KEY,
                             tuple(settings.SECRET_KEY_FALLBACKS))  # fmt: skip
            return self.serializer().loads(data)
        except Exception:  # Django's decode() logs a bad signature, and gives {} for any fault
            return super().decode(session_data)

    def load(self):
        pk = hinted_user(self.session_key)
        if pk is not None and settings.SESSION_CACHE_ALIAS == "default":
            copy_key, stamp_key = cached_users.keys(pk)
            try:
                found = self._cache.get_many([self.cache_key, copy_key, stamp_key])
            except Exception:  # the cache is down: Django's load() reads the database
                found = {}
            self.user_found = (pk, found)
            if self.cache_key in found:
                return found[self.cache_key]
        return super().load()  # not cached (or not hinted): Django's, from the database


@functools.lru_cache(maxsize=1024)
def _verified(session_data, salt, key, fallback_keys):
    """The serialized data inside signed session data, once its signature holds: Django's
    signing.loads() with a serializer that leaves the data as it is. Raises as loads() does."""
    return signing.loads(session_data, key=key, salt=salt, serializer=_Verbatim,
                         fallback_keys=list(fallback_keys))  # fmt: skip


class _Verbatim:
    def loads(self, data):
        return data


def user_hint_for(pk):
    """What a new key of a session logged in as pk ends with ("" when it carries no hint)."""
    hint = f"{SEPARATOR}{pk}" if pk is not None and str(pk).isdigit() else ""
    return hint if RANDOM_LENGTH + len(hint) <= KEY_LENGTH else ""


def hinted_user(session_key):
    """The user id a session key carries, or None."""
    if not session_key:
        return None
    _, separator, pk = session_key.rpartition(SEPARATOR)
    return int(pk) if separator and pk.isdigit() else None
