"""A logged-in reader's session and user, read inside a page's own statement.

The pages a reader asks for most send one statement for what is theirs alone: academic browse
reads the content version beside the reader's marks, a draw of their unseen, missed or due cases
reads one case. Reading the session and its user before it, from Redis (accounts/sessions.py),
cost a round trip and more of the page's time than the statement. So there the statement reads
them too: the session's row by its key (the store writes every session through to the session
table), the user's row and group names by the id the key carries (accounts/sessions.py), beside
the page's own rows, which it reads for that id.

The id in the key is still a hint and nothing more. The session is taken only if its data names
that user, and the user as Django's auth.get_user() takes any (the session's backend, an active
user, the session's hash), with the row read here offered to the backend. The page's rows hold
only if the reader is then that id (`request.user.pk == read.pk`); if not, the view drops them
and serves the page as any other, reading the session and user as any page does.
"""

import functools
from contextvars import ContextVar

from django.contrib import auth
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection

from accounts.sessions import hinted_user
from operations import statements

# The user read beside a page's rows, while its session is checked (UserBackend.get_user).
_OFFERED = ContextVar("user_read_with_page", default=None)


class SessionRead:
    """The session and user of one request, to be read in the page's statement."""

    def __init__(self, request, pk):
        self.request = request
        self.pk = pk  # the user id the session's key carries: the page's rows are read for it

    @classmethod
    def of(cls, request):
        """For a request whose session, not read yet, is kept in the session table under a key
        that carries a user id; else None (the page reads the session as any page does)."""
        session = getattr(request, "session", None)
        if not isinstance(session, DatabaseSessionStore) or hasattr(session, "_session_cache"):
            return None
        pk = hinted_user(session.session_key)
        return cls(request, pk) if pk is not None else None

    def joined(self, sql, params, now=None):
        """(SQL, params): the page's statement with the reader's columns after its own on each
        of its rows (on one row of NULLs when it has none). now: the page's statement's moment,
        as the database compares it, if it has one."""
        sql = f"SELECT p.*, rd.* FROM ({_reader_sql()}) rd LEFT JOIN ({sql}) p ON 1 = 1"
        key = self.request.session.session_key
        return sql, [key, now or statements.moment(), self.pk, *params]

    def take(self, rows):
        """The page's part of the rows, once the session and user read beside it are taken as
        this request's, if they hold."""
        width = _reader_width()
        if rows:
            self._take(rows[0][-width:])
        own = (row[:-width] for row in rows)
        return [row for row in own if any(value is not None for value in row)]

    def _take(self, columns):
        session_data, *values, groups = columns
        if session_data is None:
            return  # no such session, or expired: read as on any page
        session = self.request.session
        data = session.decode(session_data)
        if data.get(SESSION_KEY) != str(self.pk):
            return
        session._session_cache = data  # as SessionBase._get_session() keeps what load() read
        session.accessed = True
        user = _user(values, groups) if values[_pk_index()] is not None else None
        offered = _OFFERED.set(user)
        try:
            self.request._cached_user = auth.get_user(self.request)
        finally:
            _OFFERED.reset(offered)
        # As auth.login() sets it: the user itself rather than the lazy one the middleware
        # set, whose every attribute is looked up through it (the page asks several).
        self.request.user = self.request._cached_user


def offered(pk):
    """The user read beside the page for this id while its session is checked, or None."""
    user = _OFFERED.get()
    return user if user is not None and user.pk == pk else None


def _user(values, groups):
    """The user from their row as read here, with their group names (User.group_names)."""
    model, attnames, converting = _loading()
    converted = []
    for value, (column, converters) in zip(values, converting, strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    user = model.from_db(connection.alias, attnames, converted)
    user.__dict__["group_names"] = frozenset(statements.unlisted(groups))
    return user


@functools.cache
def _fields():
    return list(get_user_model()._meta.concrete_fields)


@functools.cache
def _loading():
    """The user model, its fields' attribute names, and (column, converters) of each field:
    what turns the database's value into the field's, as a queryset's rows are (booleans and
    times are text or numbers on SQLite)."""
    converting = []
    for field in _fields():
        column = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converting.append((column, converters))
    return get_user_model(), [field.attname for field in _fields()], converting


@functools.cache
def _pk_index():
    return _fields().index(get_user_model()._meta.pk)


@functools.cache
def _reader_width():
    return len(_fields()) + 2  # the session's data, the user's fields, their group names


@functools.cache
def _reader_sql():
    """The session's data by its key, unexpired; the user's row and group names by id."""
    model, quote = get_user_model(), connection.ops.quote_name
    groups = model._meta.get_field("groups")
    through, group = groups.remote_field.through._meta, groups.related_model._meta
    m2m = groups.m2m_field_name(), groups.m2m_reverse_field_name()
    user_column, group_column = (through.get_field(name).column for name in m2m)
    names = statements.listed(
        f"g.{quote('name')}",
        f"FROM {quote(group.db_table)} g JOIN {quote(through.db_table)} ug "
        f"ON ug.{quote(group_column)} = g.{quote(group.pk.column)} "
        f"WHERE ug.{quote(user_column)} = u.{quote(model._meta.pk.column)}",
    )
    columns = ", ".join(f"u.{quote(field.column)}" for field in _fields())
    sessions = DatabaseSessionStore.get_model_class()._meta.db_table
    return (
        f"SELECT s.session_data, {columns}, {names} FROM (SELECT 1 AS one) one "
        f"LEFT JOIN {quote(sessions)} s ON s.session_key = %s AND s.expire_date > %s "
        f"LEFT JOIN {quote(model._meta.db_table)} u ON u.{quote(model._meta.pk.column)} = %s"
    )
