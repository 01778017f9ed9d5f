"""The restore drill at scale: a generated site on a throwaway PostgreSQL database, served by
gunicorn, then `manage.py restore_drill` against it (operations/drill): backup, restore into a
fresh database and media folder, and a case's pages and files compared byte for byte.

    .venv/bin/python bench/restore_drill.py --server postgres://postgres@127.0.0.1:5432/postgres
                                            [--cases 2000] [--images-per-case 3]

Figures go to stdout as `name: value unit`: the drill's own (backup and restore seconds, media
files and size, URLs compared and differing), and the database's size.
"""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import database_url, gunicorn, machine_line, throwaway_database  # bench/common.py

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


DATABASE_SIZE = ("from django.db import connection; c = connection.cursor(); "
                 "c.execute('SELECT pg_database_size(current_database())'); print(c.fetchone()[0])")


def environment(scratch, url):
    """Production settings (bench/load_settings.py): DEBUG off, plain http on 127.0.0.1."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DATABASE_", "CACHE_", "S3_"))
           and name not in ("DEBUG", "REQUIRE_LOGIN", "STANDARD_WORKFLOW_GROUPS")}
    env.update(
        DJANGO_SETTINGS_MODULE="load_settings", PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT)]),
        ENV_FILE=os.devnull, DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(scratch / "media"), WORK_DIR=str(scratch / "work"),
        BENCH_STATIC_ROOT=str(scratch / "static"), LOG_LEVEL="WARNING",
    )
    return env


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *args, capture=False):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=capture, text=True)
    return done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="postgres://... of a server")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--images-per-case", type=int, default=3)
    args = parser.parse_args()
    print(machine_line(), f"; load average {open('/proc/loadavg').read().split()[0]}", flush=True)
    name = f"bench_restore_drill_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="bench-drill-") as folder, \
            throwaway_database(args.server, name, keep=False):
        env = environment(Path(folder), database_url(args.server, name))
        manage(env, "migrate", "--noinput", "-v", "0")
        started = time.monotonic()
        manage(env, "generate_cases", str(args.cases), "--images-per-case",
               str(args.images_per_case), "--seed", "1")
        print(f"generate_cases: {time.monotonic() - started:.0f} s", flush=True)
        manage(env, "collectstatic", "--noinput", "-v", "0")
        size = manage(env, "shell", "--no-imports", "-c", DATABASE_SIZE, capture=True)
        print(f"database size: {int(size) / 2**20:.0f} MiB", flush=True)
        port = free_port()
        with gunicorn(env, port, ["--workers", "2"], ready_path="/healthz"):
            print(manage(env, "restore_drill", "--site", f"http://127.0.0.1:{port}",
                         "--host", "127.0.0.1", capture=True), end="", flush=True)


if __name__ == "__main__":
    main()
