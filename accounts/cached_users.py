"""A logged-in reader's user, read from the shared cache instead of the database on every page.

With CACHE_URL (settings.CACHE_USERS) each request finds its user as the session names it in one
round trip to Redis: a copy of the user's row (without the password hash: the session's check
needs only its HMAC, User.get_session_auth_hash) and of their group names, and beside it the
user's stamp, both read with one MGET. The copy is used only while its stamp is the current one.

Every change that can matter to a session draws a new stamp once its transaction commits
(accounts/signals.py): a save of the user (deactivated, password changed, made staff), their
deletion, a group joined or left, a group of theirs renamed or deleted. The next request of every
worker then reads the user from the database again, so a deactivated reader is logged out, and a
changed password ends the other sessions, at once. The stamp is a random token, never a counter:
a copy stored by a reader who read the row just before a commit carries the stamp it read before
the row, which the commit replaced, so it is never used. A change made without signals (a
queryset's update(), SQL by hand) is seen when the copy expires (COPY_SECONDS): call forget().

Without CACHE_URL the cache is each process's own memory, which another worker's change could not
reach: the user is then read from the database as Django does.
"""

import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache as cache_once

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

COPY_SECONDS = 3600
LEFT_OUT = "password"  # the session's check reads its HMAC, kept in the copy instead
# (user id, {key: value}) read with the session (accounts/sessions.py), while it is offered.
_OFFERED = ContextVar("offered_user", default=None)


def keys(pk):
    """(the copy's key, the stamp's key) of the user with this primary key."""
    pk = get_user_model()._meta.pk.to_python(pk)  # the session holds it as a string
    return f"accounts:user:{pk}", f"accounts:user:{pk}:stamp"


@contextmanager
def offered(found):
    """user() takes the copy and stamp in found, (user id, {key: value}) as the session read them
    beside it, instead of reading them again; only for that id, and only within the block."""
    token = _OFFERED.set(found)
    try:
        yield
    finally:
        _OFFERED.reset(token)


def enabled():
    return settings.CACHE_USERS


def user(pk):
    """The active user with this primary key, from the shared cache when its copy is current,
    else from the database (and copied); None if there is none."""
    copy_key, stamp_key = keys(pk)
    found = _offered_for(pk)
    if found is None:
        found = cache.get_many([copy_key, stamp_key])
    copy, stamp = found.get(copy_key), found.get(stamp_key)
    if copy is not None and stamp is not None and copy["stamp"] == stamp:
        return _from_copy(copy)
    if stamp is None:
        stamp = secrets.token_hex(8)
        if not cache.add(stamp_key, stamp, COPY_SECONDS):
            stamp = cache.get(stamp_key)  # drawn by another reader, or by a change, just now
    found = _read(pk)  # after the stamp: a change committed from now on replaces that stamp
    if found is not None and stamp is not None:
        cache.set(copy_key, _copy(found, stamp), COPY_SECONDS)
    return found


def forget(pk):
    """Draw a new stamp for this user once the transaction commits: every copy is then stale."""
    transaction.on_commit(lambda: cache.set(keys(pk)[1], secrets.token_hex(8), COPY_SECONDS))


def _offered_for(pk):
    offer = _OFFERED.get()
    if offer is None or offer[0] != get_user_model()._meta.pk.to_python(pk):
        return None
    return offer[1]


def _read(pk):
    model = get_user_model()
    try:
        found = model._default_manager.get(pk=pk)
    except model.DoesNotExist:
        return None
    found.__dict__["group_names"] = frozenset(found.groups.values_list("name", flat=True))
    return found


def _copy(found, stamp):
    fields = {f.attname: getattr(found, f.attname) for f in _fields()}
    return {"fields": fields, "groups": sorted(found.group_names), "stamp": stamp,
            "session_auth_hash": found.get_session_auth_hash()}  # fmt: skip


def _from_copy(copy):
    fields = copy["fields"]
    names = [name for name in fields if name in _attnames()]
    found = get_user_model().from_db("default", names, [fields[name] for name in names])
    found.__dict__["group_names"] = frozenset(copy["groups"])
    found.cached_session_auth_hash = copy["session_auth_hash"]
    return found


def _fields():
    return [f for f in get_user_model()._meta.concrete_fields if f.attname != LEFT_OUT]


@cache_once
def _attnames():
    return frozenset(f.attname for f in _fields())
