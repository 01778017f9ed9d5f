"""The statements sent on nearly every page (the content version, a reader's marks, a draw), run
so that the database does as little as it can for each.

On PostgreSQL they are prepared (operations/postgresql: parsed and planned once a connection,
not on every run), which needs their text to be the same each time: a page's ids go as one array
parameter rather than written into the statement. SQLite keeps its own cache of compiled
statements, and takes the ids written out.
"""

import json

from django.db import connection
from django.utils import timezone


def cursor():
    """A cursor whose statements are prepared where the backend can (PostgreSQL), else Django's."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def moment(now=None):
    """A time (this moment unless given) as the database compares it with a stored one (SQLite
    keeps them as text)."""
    return connection.ops.adapt_datetimefield_value(now or timezone.now())


def rows(cursor, sql, params, read=None, now=None):
    """The rows of a statement. With read (accounts.reading.SessionRead), the statement reads the
    request's session and user beside its own rows, which read takes: the statement's own rows.
    now: the statement's moment(), if it has one."""
    if read is not None:
        sql, params = read.joined(sql, params, now)
    cursor.execute(sql, params)
    found = cursor.fetchall()
    return read.take(found) if read is not None else found


def among(column, ids):
    """(SQL, params): column (a bigint) is one of the ids (whole numbers), in a statement whose
    text does not change with them on PostgreSQL. There they go as one array written as text,
    which the driver sends as it is, rather than as a list it would type and encode element by
    element (a fifth of the cost of a page's marks)."""
    written = ",".join(str(int(pk)) for pk in ids)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(CAST(%s AS bigint[]))", [f"{{{written}}}"]
    return f"{column} IN ({written})", []


def listed(column, rest):
    """SQL: the values of column in `SELECT column rest` as one value, which unlisted() reads
    back as a list: an array on PostgreSQL, a JSON array on SQLite."""
    if connection.vendor == "postgresql":
        return f"ARRAY(SELECT {column} {rest})"
    return f"(SELECT json_group_array({column}) {rest})"


def unlisted(value):
    """The list a listed() value holds."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)
