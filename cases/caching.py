"""Two tiers of cache for what is derived from cases, and one computation per missing key.

Everything cached from cases is keyed by the content version (content_version() below), read once
per request from the database, so a save through any worker is seen by the next request of every
worker, whatever the cache backend. The cache itself is Redis with CACHE_URL, shared by the
workers; each process also keeps what it read in a small cache of its own memory (`local` in
settings.CACHES), which the version in the key keeps from going stale: a hit costs no round trip
beyond the version's query. Without CACHE_URL the cache is each process's memory and `local` is
a no-op: a worker computes a page once for itself, and the version still tells it when that page
is stale.

When several readers miss the same key at once, one computes it and the others wait for its
value (a lock per key), instead of all computing the same multi-second page side by side.
"""

import secrets
import time

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from cases.models import Case, ContentVersion
from operations import statements

CACHE_SECONDS = 300  # an upper bound on staleness where a change draws no new content version
LOCK_SECONDS = 20  # a computation taking longer than this is joined by the next reader
WAIT_POLL_SECONDS = 0.02


# --- the content version -----------------------------------------------------------------------
#
# Every key cached from cases holds it (cases/results.py: homepage statistics, browse results,
# case pages, cards and random draws). Any save or delete of a case, its rows or an image draws
# a new one (cases/derived.py): everything cached under the old one is never read again and
# expires. No entry has to be found to be invalidated. The version is one row in the database
# (cases.models.ContentVersion, which says why), drawn again in the transaction of the save: a
# worker that reads the new version reads the rows it stands for, and one that read the old
# version just before the commit caches under a key no one will read again.

VERSION_ROW = 1
# The counts version: another row, drawn again only by a save that changes the counts kept of
# the cases (cases/counts/keeping.py) or a term's name, not by a change to a case's text. It
# keys the facet counts of filters alone (cases/views.py), summed from the counts, which every
# page of those filters shares: an edit of a discussion leaves them cached.
COUNTS_ROW = 2
_VERSION_SQL = f"SELECT token FROM {ContentVersion._meta.db_table} WHERE id = %s"
_VERSIONS_SQL = f"SELECT id, token FROM {ContentVersion._meta.db_table} WHERE id IN (%s, %s)"
_VERSION_AND_PUBLISHED_SQL = (
    f"SELECT v.token, EXISTS (SELECT 1 FROM {Case._meta.db_table} c "
    f"WHERE c.id = %s AND c.status = %s) FROM {ContentVersion._meta.db_table} v WHERE v.id = %s"
)


def content_version():
    """A token that changes whenever a case or an image is saved or deleted: one query by
    primary key. A view reads it once and keys everything it caches with it.

    The statement is written out rather than built by the ORM: it is sent on every page, and
    building it cost more than the database's answer (docs/performance.md, run 6); it is
    prepared on PostgreSQL (operations/statements.py)."""
    with statements.cursor() as cursor:
        cursor.execute(_VERSION_SQL, [VERSION_ROW])
        row = cursor.fetchone()
    return note_version(row[0] if row is not None else _first_version())


def content_and_counts_versions():
    """(content_version(), the counts version), in one query."""
    with statements.cursor() as cursor:
        cursor.execute(_VERSIONS_SQL, [VERSION_ROW, COUNTS_ROW])
        tokens = dict(cursor.fetchall())
    content = tokens.get(VERSION_ROW) or _first_version()
    return note_version(content), tokens.get(COUNTS_ROW) or _first_version(COUNTS_ROW)


# The version this process read last: a guess at the current one, which a view may use to find
# what it would serve before it reads the version, provided it reads the version in the same
# statement as the rest of what it needs and serves nothing if the guess was wrong.
_last_read = {"version": None}


def note_version(token):
    _last_read["version"] = token
    return token


def last_version_read():
    return _last_read["version"]


def cached(key):
    """The value cached under key in either tier, or None: nothing computed, nothing waited for."""
    return _get(key)


def content_version_and_published(pk, read=None):
    """(content_version(), whether the case with this id is published): what every case page asks
    before serving its cached body, in one round trip instead of two. With read
    (accounts.reading.SessionRead), the same statement reads the request's session and user."""
    params = [int(pk), Case.Status.PUBLISHED, VERSION_ROW]
    with statements.cursor() as cursor:
        rows = statements.rows(cursor, _VERSION_AND_PUBLISHED_SQL, params, read)
    row = rows[0] if rows else None
    if row is None:
        return note_version(_first_version()), Case.objects.published().filter(pk=pk).exists()
    return note_version(row[0]), row[1]


def new_content_version():
    """Make everything cached from cases stale, for every worker once the transaction commits
    (for this one at once)."""
    _draw(VERSION_ROW)


def new_counts_version():
    """Make the facet counts cached for filters alone stale, as new_content_version() does."""
    _draw(COUNTS_ROW)


def _draw(row):
    if not ContentVersion.objects.filter(pk=row).update(token=secrets.token_hex(8)):
        _first_version(row)


def _first_version(row=VERSION_ROW):
    row, _ = ContentVersion.objects.get_or_create(
        pk=row, defaults={"token": secrets.token_hex(8)}
    )
    return row.token


# --- two tiers, one computation per missing key -------------------------------------------------


def fetch(key, compute, timeout=CACHE_SECONDS):
    """(value, kept): the value cached under key, kept; else compute() -> (value, keep), stored
    when keep is true (false for what must not be served again, such as a form's errors).

    One reader computes a missing key at a time: the others wait for its value and take it,
    or take over the computation if it holds no lock any more (the reader failed, or computed
    a value it may not keep)."""
    value = _get(key)
    if value is not None:
        return value, True
    lock = f"{key}:lock"
    while not cache.add(lock, 1, LOCK_SECONDS):
        time.sleep(WAIT_POLL_SECONDS)
        value = _get(key)
        if value is not None:
            return value, True
    try:
        value = _get(key)  # stored by the reader whose lock went just before this one's add
        if value is not None:
            return value, True
        value, keep = compute()
        if keep:
            cache.set(key, value, timeout)
            caches["local"].set(key, value, timeout)
    finally:
        cache.delete(lock)
    return value, keep


def _get(key):
    local = caches["local"]
    value = local.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            local.set(key, value, CACHE_SECONDS)
    return value


# --- the shared tier's backend -----------------------------------------------------------------


class _ReusedClient(RedisCacheClient):
    """Django's client builds a redis.Redis object around its connection pool for every
    command, and redis-py fills some 200 response callbacks in each (~60 us, a third of a
    cached page's round trip). One object per pool does the same: redis.Redis is thread-safe
    and holds no state of its own beyond the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """The shared cache with CACHE_URL (settings.CACHES): Django's, one client per pool."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient
        # The client made with the backend, as a worker loads the app (operations/warming.py),
        # not on its first page: making it imports redis-py (~85 ms). It opens no connection.
        self._cache  # noqa: B018
