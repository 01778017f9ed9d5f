"""What the benchmarks share: describing the machine they ran on, and serving the app with
gunicorn for a load generator or a browser."""

import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def version_of(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def cpu_model():
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown CPU"
    models = (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    return next(models, "unknown CPU")


def ram_gib():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0


def machine_line():
    return f"# {os.cpu_count()} cores, {cpu_model()}, {ram_gib():.0f} GiB RAM"


@contextmanager
def gunicorn(env, port, options, ready_path="/", prefix=(), up_within=120):
    """The app under gunicorn on 127.0.0.1:port with the given extra options, until the block
    ends; prefix: what runs it (valgrind, say). No access log: gunicorn's default, so writing
    one is not part of every request."""
    command = [
        *prefix, sys.executable, "-m", "gunicorn", "repository.wsgi", *options,
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}{ready_path}", process, up_within)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def wait_until_up(url, process, seconds=120):  # 5 workers start slowly on a busy machine
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited at start")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer {url} within {seconds} s")


def database_url(server, name):
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def throwaway_database(server, name, keep, template=None):
    """Create the database (unless it exists because it is reused), a copy of `template` when
    given, and drop it at the end."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"{_copy_clause(connection, template)}')
    try:
        yield
    finally:
        if not keep:
            with psycopg.connect(server, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy_clause(connection, template):
    """A copy by files, on PostgreSQL 15 and later. Its default copies the template page by page
    through shared buffers and leaves them dirty; the benchmark's first statements then wrote
    them out to make room (a word with a filter: 26.5 ms the first time on such a copy, 18.7 on
    a copy by files, 11 warm)."""
    if template is None:
        return ""
    by_files = " STRATEGY FILE_COPY" if connection.info.server_version >= 150000 else ""
    return f' TEMPLATE "{template}"{by_files}'
