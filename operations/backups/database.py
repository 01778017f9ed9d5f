"""The database's half of a backup: PostgreSQL through pg_dump and pg_restore (custom format,
found on PATH), SQLite through its online backup API. Both read a consistent snapshot while the
site keeps serving."""

import os
import shutil
import sqlite3
import subprocess

from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from operations.backups import BackupError

DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


def vendor():
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(f"cannot back up a {connection.vendor} database")
    return connection.vendor


def dump(path):
    """Write the database to path."""
    if vendor() == "postgresql":
        _run("pg_dump", "--format=custom", "--no-password", f"--file={path}")
    else:
        _sqlite_copy(connection.settings_dict["NAME"], path)


def restore(path):
    """Load a dump into this database, which must hold no table (is_empty)."""
    connection.close()  # the dump's tables appear under it; a fresh connection sees them
    if vendor() == "postgresql":
        # As whoever restores, not the dump's owner; all or nothing.
        _run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", "--no-password", f"--dbname={_settings()['NAME']}", path)
    else:
        _sqlite_copy(path, connection.settings_dict["NAME"])


def is_empty():
    return not connection.introspection.table_names(include_views=True)


def applied_migrations():
    """["app.name", ...] applied to this database, sorted."""
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def _sqlite_copy(source, target):
    """The whole database, page by page, as one snapshot (sqlite3's backup API)."""
    if not os.path.exists(source):
        raise BackupError(f"there is no SQLite database at {source}")
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _settings():
    return connection.settings_dict


def _run(program, *args):
    """A PostgreSQL client program, told where and as whom through its environment, so that no
    password appears on a command line."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not on PATH: install PostgreSQL's client programs "
                          f"(Debian: postgresql-client), of the server's version or newer")
    db = _settings()
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGHOST": db["HOST"] or "",
           "PGPORT": str(db["PORT"] or ""), "PGUSER": db["USER"] or "",
           "PGPASSWORD": db["PASSWORD"] or ""}
    sslmode = db.get("OPTIONS", {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    done = subprocess.run([executable, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()}")
