"""Whether the worker running an upload job still lives, judged the same from any host.

A worker holds a lock for each job it runs, which whatever ends the worker releases (kill -9 and
a machine restart included); a job marked running whose lock nobody holds lost its worker.

- On PostgreSQL the lock is a session-level advisory lock held by a connection of the worker's
  own, opened for the job: PostgreSQL releases it when that session ends, as it does when the
  worker's process dies (its socket closes). Any web server or command, on any host, reads it in
  pg_locks, without taking it (which would race a worker claiming the job).
- On SQLite (one host by nature) it is a flock on WORK_DIR/jobs/<key>/running.lock.

The connection is not one of django.db.connections: close_all() (viewer.processes.run_in_child,
the worker between tasks) must not end it mid-job. Forked staging processes inherit its socket
but end with os._exit, so they never close the session under the worker.
"""

import fcntl
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from viewer import inflight

# The lock's two 32-bit halves in pg_locks: an advisory lock taken by one bigint key is listed
# with classid = its high half, objid = its low half and objsubid = 1.
HELD_SQL = """
    SELECT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid::bigint = %s AND objid::bigint = %s
    )
"""


def lock_id(key):
    """The job's advisory lock: 64 bits of its random key, so no other lock shares it."""
    return int.from_bytes(key.bytes[:8], "big", signed=True)


def lock_file(key):
    return Path(settings.WORK_DIR) / "jobs" / key.hex / "running.lock"


def _on_postgresql():
    return connection.vendor == "postgresql"


@contextmanager
def hold(key):
    """Take the job's lock for as long as the block runs; yields whether it was taken (False:
    another worker runs the job)."""
    with _hold_advisory(key) if _on_postgresql() else _hold_file(key) as taken:
        yield taken


def held(key):
    """Whether a live worker holds the job's lock."""
    if not _on_postgresql():
        return inflight.held(lock_file(key))
    with connection.cursor() as cursor:
        cursor.execute(HELD_SQL, listed_as(key))
        return cursor.fetchone()[0]


def listed_as(key):
    """The lock's (classid, objid) in pg_locks."""
    unsigned = lock_id(key) & 0xFFFF_FFFF_FFFF_FFFF
    return [unsigned >> 32, unsigned & 0xFFFF_FFFF]


@contextmanager
def _hold_advisory(key):
    session = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with session.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id(key)])
            taken = cursor.fetchone()[0]
        try:
            yield taken
        finally:
            if taken:  # explicitly: a pooled connection's session would outlive close()
                _unlock(session, key)
    finally:
        session.close()


def _unlock(session, key):
    try:
        with session.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id(key)])
    except DatabaseError:  # the session ended (the database restarted): its locks went with it
        pass


@contextmanager
def _hold_file(key):
    path = lock_file(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
