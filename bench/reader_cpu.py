"""Where a logged-in reader's request spends its time, in one process: each page asked for through
the site's WSGI application as gunicorn calls it (Django's test client would add its own signal
handling, half a millisecond a request), with the load benchmark's production settings, on a
database kept by `bench/load.py --keep` (its generated readers).

    .venv/bin/python bench/reader_cpu.py --reuse NAME [--cache-url redis://127.0.0.1:6379/0]
                                         [--requests 300] [--profile PAGE]

Per page: the CPU time of a request (time.process_time, over --requests after a warm-up), the
wall time, and the round trips it makes to the database and to the cache. --profile PAGE prints
a cProfile of that page's requests (CPU time, by cumulative time) to stderr. Figures go to stdout as
`name: value unit`; the database is only read (the test client's login writes one session).
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]  # the project first: bench/viewer.py is no app

from common import database_url, machine_line  # noqa: E402 (bench/common.py)
from load import delete_cache_keys  # noqa: E402 (bench/load.py)

PAGES = [
    ("floor", "/healthz", False),
    ("academic_browse_p1", "/academic/cases/", False),
    ("reader_case", "/academic/cases/{case}/", True),
    ("reader_browse_p1", "/academic/cases/", True),
    ("reader_browse_p500", "/academic/cases/?page=500", True),
    ("reader_random_unseen", "/academic/random/?memory=unseen", True),
    ("reader_random_due", "/academic/random/?memory=due", True),
    ("reader_review_due", "/academic/review/", True),
]
READER = "synthetic-reader-1"  # as cases/synthetic/readers.py names them


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", metavar="NAME", required=True,
                        help="a database kept by bench/load.py --keep")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cache-url", default="", help="CACHE_URL, e.g. redis://127.0.0.1:6379/0")
    parser.add_argument("--requests", type=int, default=300, help="measured requests a page")
    parser.add_argument("--only", default="", help="pages whose name contains one of these words")
    parser.add_argument("--profile", metavar="PAGE", help="a cProfile of this page, on stderr")
    return parser.parse_args()


def configure(args, scratch):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="load_settings",
        DATABASE_URL=database_url(args.server, args.reuse),
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(scratch),
        BENCH_STATIC_ROOT=str(scratch),
        CACHE_URL=args.cache_url,
        CACHE_KEY_PREFIX=f"bench-reader-cpu-{os.getpid()}-{secrets.token_hex(4)}",
        LOG_LEVEL="WARNING",
        ENV_FILE=os.devnull,  # not the checkout's .env (DEBUG on: every query logged)
    )
    for name in ("DEBUG", "REQUIRE_LOGIN", "STANDARD_WORKFLOW_GROUPS", "CASES_PER_PAGE"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", "--noinput", verbosity=0)  # into the temporary folder


class RoundTrips:
    """Counts the queries sent to the database and the commands sent to Redis."""

    def __init__(self):
        self.queries = self.cache_commands = 0

    def __enter__(self):
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self._query)
        self._wrapper.__enter__()
        self._patch_redis()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        self._unpatch_redis()

    def _query(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def _patch_redis(self):
        try:
            import redis
        except ImportError:
            self._redis = None
            return
        self._redis = redis.Redis.execute_command
        original = self._redis

        def counted(client, *args, **kwargs):
            self.cache_commands += 1
            return original(client, *args, **kwargs)

        redis.Redis.execute_command = counted

    def _unpatch_redis(self):
        if self._redis is not None:
            import redis

            redis.Redis.execute_command = self._redis


class WsgiClient:
    """Asks the WSGI application for pages as a browser would, keeping the cookies it is given
    (the session, and the CSRF cookie a browser holds from its first form)."""

    def __init__(self, cookies=None):
        from django.core.wsgi import get_wsgi_application

        self.app = get_wsgi_application()
        self.cookies = dict(cookies or {})

    def get(self, path):
        from http.cookies import SimpleCookie

        path, _, query = path.partition("?")
        headers = []
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "testserver", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False, "wsgi.version": (1, 0),
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }  # fmt: skip
        body = self.app(environ, lambda status, given, *_: headers.extend(given))
        for _ in body:
            pass
        body.close()
        for name, value in headers:
            if name.lower() == "set-cookie":
                self.cookies.update({k: m.value for k, m in SimpleCookie(value).items()})


def a_published_case():
    from cases.models import Case

    ids = Case.objects.published().values_list("pk", flat=True)
    return ids[ids.count() // 2]


def measure(client, path, count, profile=None):
    for _ in range(20):  # warm-up: caches filled, connections open
        client.get(path)
    with RoundTrips() as trips:
        client.get(path)
    cpu, wall = time.process_time(), time.perf_counter()
    if profile:
        profile.enable()
    for _ in range(count):
        client.get(path)
    if profile:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / count * 1000, wall / count * 1000, trips


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reader-cpu-") as scratch:
        configure(args, Path(scratch))
        from django.contrib.auth import get_user_model
        from django.test import Client

        login = Client()
        login.force_login(get_user_model().objects.get(username=READER))
        anonymous = WsgiClient()
        reader = WsgiClient({name: morsel.value for name, morsel in login.cookies.items()})
        case = a_published_case()
        print(machine_line())
        print(f"# load average {open('/proc/loadavg').read().split()[0]} at the start; "
              f"cache {args.cache_url or 'per-process memory'}; {args.requests} requests a page")
        try:
            for name, path, logged_in in PAGES:
                if args.only and not any(word in name for word in args.only.split(",")):
                    continue
                profile = cProfile.Profile(time.process_time) if args.profile == name else None
                client = reader if logged_in else anonymous
                cpu, wall, trips = measure(client, path.format(case=case), args.requests, profile)
                print(f"{name}_cpu: {cpu:.3f} ms")
                print(f"{name}_wall: {wall:.3f} ms")
                print(f"{name}_queries: {trips.queries} count")
                print(f"{name}_cache_commands: {trips.cache_commands} count", flush=True)
                if profile:
                    stats = pstats.Stats(profile, stream=sys.stderr)
                    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
        finally:
            login.logout()
            if args.cache_url:
                delete_cache_keys(args.cache_url, os.environ["CACHE_KEY_PREFIX"])


if __name__ == "__main__":
    main()
