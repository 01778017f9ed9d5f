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
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        try:
            waiting, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not waiting or super().is_usable()
