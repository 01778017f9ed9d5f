"""SQLite, the default database, takes a small department's concurrent writes (issue #16,
finding 8): two uploads at once used to answer 500, "database is locked". Several processes now
save cases with uploaded pictures into one SQLite file at the same time, and every write lands."""

import os
import sqlite3
import subprocess
import sys

import pytest
from django.db import connection

from tests.repository.checkout import PROJECT, clean_environment

WRITERS = 4
CASES_EACH = 12

ON_SQLITE = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="tests the SQLite settings; the run uses PostgreSQL"
)


def environment(database, media):
    return clean_environment(
        DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(media),
    )


def python(*args, env):
    return subprocess.Popen(
        [sys.executable, *args], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def finished(process):
    stdout, stderr = process.communicate(timeout=600)
    return process.returncode, stderr


def rows(database, table):
    with sqlite3.connect(database) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def migrated(tmp_path):
    database, media = tmp_path / "db.sqlite3", tmp_path / "media"
    env = environment(database, media)
    returncode, stderr = finished(python("manage.py", "migrate", "--noinput", env=env))
    assert returncode == 0, stderr
    return database, env


@ON_SQLITE
def test_concurrent_uploads_all_land_without_database_is_locked(migrated, tmp_path):
    database, env = migrated
    ready = tmp_path / "ready"
    ready.mkdir()
    writers = [
        python("-m", "tests.security.concurrent_writer", f"writer{n}", str(CASES_EACH),
               str(WRITERS), str(ready), env=env)
        for n in range(WRITERS)
    ]
    for returncode, stderr in map(finished, writers):
        assert "database is locked" not in stderr
        assert returncode == 0, stderr
    assert rows(database, "cases_case") == WRITERS * CASES_EACH
    assert rows(database, "viewer_image") == WRITERS * CASES_EACH


@ON_SQLITE
def test_the_sqlite_database_runs_in_wal_mode(migrated):
    database, _ = migrated
    assert rows(database, "django_migrations") > 0  # the settings' connection made the file
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_default_database_is_sqlite_with_these_settings():
    code = (
        "import repository.settings as s; "
        "print(sorted(s.DATABASES['default']['OPTIONS'].items()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True,
        env=clean_environment(ENV_FILE=os.devnull, DEBUG="true"),
    )
    assert result.returncode == 0, result.stderr
    assert "('timeout', 30), ('transaction_mode', 'IMMEDIATE')" in result.stdout
    assert "PRAGMA journal_mode=WAL" in result.stdout
