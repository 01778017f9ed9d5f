"""Time `manage.py generate_cases N` into a fresh PostgreSQL database, then VACUUM ANALYZE it.

    .venv/bin/python bench/generate.py --cases 100000
    .venv/bin/python bench/generate.py --cases 100000 --checkout ../other   # another version
    .venv/bin/python bench/generate.py --cases 1000000 --database bench_million --keep \\
        --media /srv/bench-media-million --defer-indexes

Prints `name: value unit` lines: generate_cases_seconds, generate_cases_rate (cases/s),
vacuum_analyze_seconds, and the database's size. --checkout runs the manage.py of another
checkout of this project (an earlier version, for a before/after in one sitting) with this
Python; the options this version added (--workers, --defer-indexes) are not passed to it unless
given. The database is dropped at the end unless --keep; an existing one is refused, so that a
kept database is never added to by mistake.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, database_url, machine_line  # noqa: E402


def main():
    args = parse_args()
    import psycopg

    with psycopg.connect(args.server, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [args.database]).fetchone():
            sys.exit(f"database {args.database} exists: drop it or name another")
        connection.execute(f'CREATE DATABASE "{args.database}"')
    try:
        with tempfile.TemporaryDirectory(prefix="bench-generate-") as scratch:
            media = Path(args.media) if args.media else Path(scratch) / "media"
            run(args, environment(database_url(args.server, args.database), media))
    finally:
        if not args.keep:
            with psycopg.connect(args.server, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL database URL; the new database goes beside it")
    parser.add_argument("--database", default=f"bench_generate_{os.getpid()}")
    parser.add_argument("--media", help="MEDIA_ROOT for the pictures (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--checkout", default=str(ROOT), help="the project checkout to run")
    parser.add_argument("--workers", help="generate_cases --workers")
    parser.add_argument("--defer-indexes", action="store_true",
                        help="generate_cases --defer-indexes")
    return parser.parse_args()


def environment(url, media):
    env = dict(os.environ)
    env.update(DATABASE_URL=url, MEDIA_ROOT=str(media), DEBUG="true",
               SECRET_KEY=secrets.token_urlsafe(48),
               LOG_LEVEL="WARNING")
    return env


def run(args, env):
    print(machine_line())
    print(f"# load average before: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    manage(args, env, "migrate", "--noinput", "-v", "0")
    options = ["--seed", str(args.seed)]
    if args.workers:
        options += ["--workers", args.workers]
    if args.defer_indexes:
        options.append("--defer-indexes")
    started = time.monotonic()
    manage(args, env, "generate_cases", str(args.cases), *options)
    seconds = time.monotonic() - started
    print(f"generate_cases_seconds: {seconds:.0f} s")
    print(f"generate_cases_rate: {args.cases / seconds:.0f} cases/s")
    print(f"# load average after: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    started = time.monotonic()
    size = sql(args, env, "VACUUM ANALYZE",
               "SELECT pg_size_pretty(pg_database_size(current_database()))")
    print(f"vacuum_analyze_seconds: {time.monotonic() - started:.0f} s")
    print(f"database_size: {size}", flush=True)


def sql(args, env, *statements):
    """Run the statements through Django's connection; the last one's first value."""
    code = ("from django.db import connection\ncursor = connection.cursor()\n"
            + "".join(f"cursor.execute({s!r})\n" for s in statements)
            + "print(cursor.fetchone()[0])")
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=args.checkout,
                         env=env, check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def manage(args, env, *command):
    subprocess.run([sys.executable, "manage.py", *command], cwd=args.checkout, env=env,
                   check=True)


if __name__ == "__main__":
    main()
