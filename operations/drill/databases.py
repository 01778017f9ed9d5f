"""A fresh, empty database beside the site's own, for the restored copy, dropped afterwards:
on the same PostgreSQL server, or a new SQLite file."""

import secrets
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection


@contextmanager
def fresh_database(folder):
    """Yield the DATABASE_URL of a new empty database; drop it at the end."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{Path(folder, 'restored.sqlite3')}"
        return
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_drill_{secrets.token_hex(4)}"[-63:]  # PostgreSQL's longest name
    server = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None,
              "password": db["PASSWORD"] or None, "dbname": "postgres"}
    try:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as e:
        raise RuntimeError(f"cannot create the drill's database {name} ({e}); the site's "
                           f"role needs CREATEDB") from None
    try:
        yield _url(db, name)
    finally:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url(db, name):
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    if host.startswith("/"):  # a Unix socket's folder
        return f"postgres://{credentials}@/{name}?host={quote(host, safe='')}"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{name}"
