"""Django's PostgreSQL backend, with a persistent connection's health checked without a round trip.

With CONN_HEALTH_CHECKS (settings.DATABASES) Django sends `SELECT 1` before each request's first
query, so that a connection the server dropped (a restart, a terminated backend) is opened again
instead of failing the request. That is one more round trip on every page, and under load each
round trip is a wait for the database and for the worker's next turn on a core.

A server that drops a connection says so: it sends a FATAL message and closes the socket, and on
an idle connection both wait there to be read. So an idle connection whose socket holds nothing
is usable as it is. When it holds something, Django's `SELECT 1` decides, since a healthy
connection may hold a notification too. A server that vanished without a word (a cut cable)
is found by the request's first query, as it would be by `SELECT 1`: the page answers 503
(cases.views.server_error) and the next request connects afresh.

It also gives a cursor whose statements the server keeps parsed and planned for the connection
(prepared_cursor(), used through operations/statements.py). Django binds parameters in the
client, so PostgreSQL parses and plans every statement it is sent, which for the few statements
a logged-in reader's page sends (a draw, their marks, the content version) cost it several
times what running them does (docs/performance.md).
"""

import select

from django.db.backends.postgresql import base, operations


class PreparedCursor(base.ServerBindingCursor):
    """psycopg's cursor that binds on the server, each statement prepared on its first run: the
    connection keeps it (up to psycopg's prepared_max, the least used let go) for every run after,
    with other parameters. Django's own cursors, binding in the client, are never prepared.
    Its rows come in binary, which the driver reads without parsing text (a logged-in reader's
    row holds two times, each parsed from text at some cost)."""

    def execute(self, query, params=None, *, prepare=True, binary=True):
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """As Django's, for a prepared cursor's statement too (logged when queries are, as in
        DEBUG): psycopg keeps that one in the form the server was sent, without the values."""
        if isinstance(cursor, PreparedCursor):
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self):
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        try:
            waiting, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not waiting or super().is_usable()

    def prepared_cursor(self):
        """A cursor as cursor() gives (health-checked, errors wrapped, queries logged when they
        are), whose statements are prepared: unless the connection's prepare_threshold is None
        (settings.DATABASE_PREPARED_STATEMENTS off), when they are bound on the server and
        planned each time."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparedCursor(self.connection))
