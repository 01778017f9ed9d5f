"""How the site holds up at 100,000 cases: each page under load, against the floor of the stack.

    .venv/bin/python bench/load.py [--cases 100000] [--readers 200] [--attempts-per-reader 5000]
                                   [--logins 8] [--duration 10] [--connections 4] [--rounds 1]
                                   [--server postgres://postgres@127.0.0.1:5432/postgres]
                                   [--cache-url redis://127.0.0.1:6379/0]
                                   [--reuse NAME | --copy-of NAME] [--keep]
                                   [--cold [--per-kind 200]]

A throwaway PostgreSQL database (bench_load_<pid>) is created on the server named, migrated and
filled by `manage.py generate_cases` (cases, and readers who each answered distinct cases); the
app is served by gunicorn with production settings (DEBUG off, whitenoise, static files
collected into a temporary folder) on 127.0.0.1; wrk, from a second process, drives each page
for a fixed time after a short warm-up. The database is dropped at the end unless --keep;
--reuse NAME serves a database kept before, skipping the generation; --copy-of NAME serves a
throwaway copy of it, so that every run starts from the same database.

Figures go to stdout, one a line, as `name: value unit`; lines starting with # are notes. Pages
of the academic workflow are prefixed `academic_`; `reader_` pages are requested logged in, as
--logins of the generated readers in turn (their marks, filters and progress). `floor` is
/healthz, a view that returns a fixed string: every page's p50 is compared with its p50, as
measured first (`*_p50_ratio_to_floor`) and as measured beside the page, just before and just
after it, averaged (`*_p50_ratio_to_floor_beside`): the speed of a shared machine drifts over
the minutes of a run, and a floor taken beside a page is taken at that page's speed. With
--rounds N each page is measured N times, a floor between each two, and its figures are the
median round's (`*_p50_ratio_to_floor_beside_min` and `_max` the spread): on a shared machine one
page's p50 moves by half within a run, more than most changes a benchmark is run to see.
`*_server_p95` is the time spent in Django (a Server-Timing header the benchmark's settings
add), without the network and queueing.

--cold measures instead every page as its first reader finds it (bench/cold.py): distinct URLs,
each asked once, --per-kind of each kind, the homepage right after a save.
"""

import argparse
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cold import run_cold  # bench/cold.py
from common import (  # bench/common.py
    database_url,
    gunicorn,
    machine_line,
    throwaway_database,
    version_of,
)
from logins import log_in_readers  # bench/logins.py

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
SCRIPT = BENCH / "load.lua"
PORT = 8765
WARM_UP_SECONDS = 2
TARGET_RATIO = 3.0
TARGET_SEARCH_MS = 50.0  # server time, p95

# (name, path) in the order measured; {case} is a published case's id.
FLOOR = ("floor", "/healthz")
PAGES = {
    "standard": [
        ("home", "/"),
        ("browse_p1", "/standard/cases/"),
        ("browse_p500", "/standard/cases/?page=500"),
        ("browse_filters", "/standard/cases/?anatomy=chest&modality=CT"),
        ("search_common", "/standard/cases/?q=pain"),
        ("search_rare", "/standard/cases/?q=scurvy"),
        ("search_misspelt", "/standard/cases/?q=osteosarkoma"),
        ("case", "/standard/cases/{case}/"),
        ("random", "/standard/random/"),
    ],
    "academic": [
        ("browse_p1", "/academic/cases/"),
        ("browse_p500", "/academic/cases/?page=500"),
        ("browse_filters", "/academic/cases/?anatomy=chest&modality=CT"),
        ("search_common", "/academic/cases/?q=pain"),
        ("search_rare", "/academic/cases/?q=aspirin"),
        ("search_misspelt", "/academic/cases/?q=haemoptisis"),
        ("case", "/academic/cases/{case}/"),
        ("random", "/academic/random/"),
    ],
}
# Logged in as generated readers: the shared cached results with the reader's marks filled in,
# the draws with a filter of their own (indexed), and pages computed per reader (never cached).
READER_PAGES = [
    ("reader_case", "/academic/cases/{case}/"),  # logged in, no marks: what logging in costs
    ("reader_browse_p1", "/academic/cases/"),
    ("reader_browse_p500", "/academic/cases/?page=500"),
    ("reader_random_unseen", "/academic/random/?memory=unseen"),
    ("reader_random_due", "/academic/random/?memory=due"),
    ("reader_review_due", "/academic/review/"),
    ("reader_browse_due", "/academic/cases/?memory=due"),
    ("reader_progress", "/progress/"),
]
# Pages the 3x target holds for: the rest are this reader's own results, rendered per request.
READER_CACHED = ("reader_case", "reader_browse_p1", "reader_browse_p500", "reader_random_unseen",
                 "reader_random_due", "reader_review_due")


def main():
    args = parse_args()
    check_tools()
    database = args.reuse or f"bench_load_{os.getpid()}"
    url = database_url(args.server, database)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        env = server_environment(Path(scratch), url, args.cache_url)
        with throwaway_database(args.server, database, keep=args.keep or bool(args.reuse),
                                template=args.copy_of):
            prepare(env, args)
            try:
                run(args, env)
            finally:
                delete_cache_keys(args.cache_url, env["CACHE_KEY_PREFIX"])
    if args.keep and not args.reuse:
        print(f"# kept database {database}: rerun with --reuse {database}")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to generate")
    parser.add_argument("--readers", type=int, default=200,
                        help="readers to generate (default 200; 0: no logged-in pages)")
    parser.add_argument("--attempts-per-reader", type=int, default=5000,
                        help="distinct cases each generated reader answered (default 5000)")
    parser.add_argument("--logins", type=int, default=8,
                        help="generated readers logged in, whose cookies wrk sends in turn")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=4,
                        help="concurrent connections wrk keeps open (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL database URL; the throwaway database goes beside it")
    parser.add_argument("--cache-url", default="",
                        help="CACHE_URL for the app, e.g. redis://127.0.0.1:6379/0 "
                             "(default: each worker's own memory)")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--reuse", metavar="NAME",
                      help="serve this existing database as it is (kept by an earlier --keep)")
    kept.add_argument("--copy-of", metavar="NAME",
                      help="serve a throwaway copy of this database (kept by an earlier --keep): "
                           "every run from the same start, since --cold saves cases")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--cold", action="store_true",
                        help="distinct URLs each asked once, the cache holding none of them")
    parser.add_argument("--per-kind", type=int, default=200,
                        help="--cold: distinct URLs of each kind of page (default 200)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with the cache on, measure each page this many times, a floor "
                             "between each two, and report its median round (default 1)")
    parser.add_argument("--only", default="",
                        help="measure only pages whose name contains this, or one of these "
                             "comma-separated words (the floor always)")
    return parser.parse_args()


def check_tools():
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    if not SCRIPT.exists():
        sys.exit(f"{SCRIPT} is missing")


# --- database, settings, server ----------------------------------------------------------------


def server_environment(scratch, url, cache_url):
    """Production settings: DEBUG off, a fresh secret key, plain http on 127.0.0.1."""
    env = dict(os.environ)
    for name in ("DEBUG", "REQUIRE_LOGIN", "STANDARD_WORKFLOW_GROUPS", "CASES_PER_PAGE"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="load_settings",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT)]),
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(scratch / "media"),
        BENCH_STATIC_ROOT=str(scratch / "static"),
        CACHE_URL=cache_url,
        # Every run its own keys, so a shared Redis never serves another run's pages, even a run
        # of a process with the same id; delete_cache_keys() removes them at the end.
        CACHE_KEY_PREFIX=f"bench-load-{os.getpid()}-{secrets.token_hex(4)}",
        LOG_LEVEL="WARNING",
        # Not the checkout's .env (DEBUG on, the standard workflow limited to some groups).
        ENV_FILE=os.devnull,
    )
    return env


def delete_cache_keys(cache_url, prefix):
    """Delete this run's keys from the shared Redis: the content version never expires, and the
    pages would sit there for minutes beside the site's own."""
    if not cache_url:
        return
    import redis  # Django's Redis cache backend needs it, so it is installed with CACHE_URL

    client = redis.Redis.from_url(cache_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))  # Django's `prefix:version:key`
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start:start + 1000])
    print(f"# deleted this run's {len(keys)} cache keys ({prefix}:*)", flush=True)


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env, args):
    manage(env, "migrate", "--noinput", "-v", "0")
    if not (args.reuse or args.copy_of):
        started = time.monotonic()
        manage(env, "generate_cases", str(args.cases), "--seed", "1", "--readers",
               str(args.readers), "--attempts-per-reader", str(args.attempts_per_reader))
        print(f"generate_cases_seconds: {time.monotonic() - started:.0f} s", flush=True)
    manage(env, "collectstatic", "--noinput", "-v", "0")
    # What autovacuum would have done to a live database: a freshly filled one holds the dead
    # row versions of the cover and vector updates, and the planner knows nothing of its rows.
    manage(env, "shell", "-c",
           "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')")


# --- measuring ---------------------------------------------------------------------------------


def run(args, env):
    """Every page with the cache (the figures the targets are read from), then every page but
    the floor without it, one request at a time: what the first reader after a save, or of a
    query nobody asked before, waits."""
    notes(args)
    if args.cold:
        with gunicorn(env, args.port, ["--workers", str(args.workers)], "/healthz"):
            run_cold(env, args.port, args.per_kind, args.only)
        return
    case = a_published_case(env)
    with gunicorn(env, args.port, ["--workers", str(args.workers)], "/healthz"):
        floor = measure(args, *FLOOR)
        report("floor", floor, floor)
        cookies = readers_cookies(args)
        cached = measure_pages(args, case, floor, suffix="", cookies=cookies, beside=True)
    # One connection: an uncached page takes a second or more, and its server time, not
    # queueing behind three others, is what a reader waits.
    alone = argparse.Namespace(**{**vars(args), "connections": 1, "threads": 1})
    with gunicorn({**env, "BENCH_NO_CACHE": "1"}, args.port, ["--workers", str(args.workers)],
                  "/healthz"):
        uncached = measure_pages(alone, case, floor, suffix="_uncached", cookies=cookies)
    verdict({"floor": floor, **cached}, uncached)


def readers_cookies(args):
    """Session cookies of up to --logins generated readers (none with --readers 0 or when the
    database has none: the reader pages are then skipped)."""
    if not args.readers or not args.logins:
        return []
    cookies = log_in_readers(f"http://127.0.0.1:{args.port}", args.logins)
    print(f"# logged in as {len(cookies)} generated readers" if cookies
          else "# no generated reader could log in: reader pages skipped", flush=True)
    return cookies


def measure_pages(args, case, floor, suffix, cookies=(), beside=False):
    """Each page's figures; with beside, the floor measured again after each page too, the
    page's `floor_beside` the mean of the floor's p50 just before it and just after it, over
    --rounds rounds (the median round's figures)."""
    pages = [(name if workflow == "standard" else f"{workflow}_{name}", path, ())
             for workflow, workflow_pages in PAGES.items() for name, path in workflow_pages]
    if cookies:
        pages += [(name, path, cookies) for name, path in READER_PAGES]
    results, before = {}, floor
    for name, path, page_cookies in pages:
        full_name = name + suffix
        if args.only and not any(part in full_name for part in args.only.split(",")):
            continue
        url = path.format(case=case)
        if not beside:
            results[full_name] = figures = measure(args, full_name, url, page_cookies)
            report(full_name, figures, floor)
            continue
        rounds = []
        for _ in range(max(1, args.rounds)):
            figures = measure(args, full_name, url, page_cookies)
            after = measure(args, *FLOOR)
            figures["floor_beside"] = (before["p50"] + after["p50"]) / 2
            rounds.append(figures)
            before = after
        results[full_name] = figures = median_round(rounds)
        report(full_name, figures, floor)
        report_beside(full_name, figures, rounds)
    return results


def median_round(rounds):
    """The round whose p50 ratio to the floor beside it is the median (the higher of the two
    middle ones for an even number of rounds): one round's figures, which belong together."""
    ordered = sorted(rounds, key=ratio_beside)
    return ordered[len(ordered) // 2]


def ratio_beside(figures):
    return figures["p50"] / figures["floor_beside"]


def report_beside(name, figures, rounds):
    print(f"{name}_floor_beside_p50: {figures['floor_beside']:.2f} ms")
    print(f"{name}_p50_ratio_to_floor_beside: {ratio_beside(figures):.2f} x", flush=True)
    if len(rounds) > 1:
        ratios = [ratio_beside(f) for f in rounds]
        print(f"{name}_p50_ratio_to_floor_beside_min: {min(ratios):.2f} x")
        print(f"{name}_p50_ratio_to_floor_beside_max: {max(ratios):.2f} x")
        print(f"# {name}: {len(rounds)} rounds, p50 ratios to the floor beside "
              + ", ".join(f"{ratio:.2f}" for ratio in ratios), flush=True)


def a_published_case(env):
    """The id of a published case about the middle of the newest-first order."""
    code = (
        "from cases.models import Case; "
        "ids = Case.objects.published().values_list('pk', flat=True); "
        "print(ids[ids.count() // 2])"
    )
    out = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


def measure(args, name, path, cookies=()):
    """wrk for a warm-up, then for the measured time; the figures its done() hook prints."""
    url = f"http://127.0.0.1:{args.port}{path}"
    wrk(args, url, WARM_UP_SECONDS, cookies)
    out = wrk(args, url, args.duration, cookies)
    figures = dict(re.findall(r"^result (\w+) ([-\d.]+)$", out, flags=re.MULTILINE))
    if "rps" not in figures:
        sys.exit(f"wrk gave no figures for {name}:\n{out}")
    return {key: float(value) for key, value in figures.items()}


def wrk(args, url, seconds, cookies=()):
    command = ["wrk", "--threads", str(args.threads), "--connections", str(args.connections),
               "--duration", f"{seconds}s", "--timeout", "10s", "--script", str(SCRIPT), url,
               *(["--", *cookies] if cookies else [])]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def report(name, figures, floor):
    errors = int(figures["socket_errors"] + figures["status_errors"])
    print(f"{name}_rps: {figures['rps']:.0f} req/s")
    print(f"{name}_p50: {figures['p50']:.2f} ms")
    print(f"{name}_p95: {figures['p95']:.2f} ms")
    print(f"{name}_p99: {figures['p99']:.2f} ms")
    print(f"{name}_server_p50: {figures['server_p50']:.2f} ms")
    print(f"{name}_server_p95: {figures['server_p95']:.2f} ms")
    print(f"{name}_errors: {errors} count")
    print(f"{name}_p50_ratio_to_floor: {figures['p50'] / floor['p50']:.2f} x", flush=True)


def verdict(results, uncached):
    floor = results["floor"]["p50"]
    everything = [*results.values(), *uncached.values()]
    errors = sum(f["socket_errors"] + f["status_errors"] for f in everything)
    # A page none of whose requests ended within the run has no latency: it fails every target.
    silent = [name for name, f in {**results, **uncached}.items() if f["requests"] == 0]
    for figures in everything:
        if figures["requests"] == 0:
            figures.update(p50=float("inf"), server_p95=float("inf"))
    if silent:
        print(f"# no request completed within the run: {', '.join(silent)}")
    # A reader's own filtered results are rendered per request by design (cases/memory.py).
    held = {name: f for name, f in results.items()
            if not name.startswith("reader_") or name in READER_CACHED}
    slow = [name for name, f in held.items() if f["p50"] > TARGET_RATIO * floor]
    print(f"# target zero errors: {'met' if errors == 0 else f'NOT met ({errors:.0f})'}")
    print(f"# target every p50 within {TARGET_RATIO:g}x the floor's (reader pages: "
          f"{', '.join(READER_CACHED)}): "
          + ("met" if not slow else f"NOT met by {', '.join(slow)}"))
    slow = [name for name, f in held.items()
            if f["p50"] > TARGET_RATIO * f.get("floor_beside", floor)]  # fmt: skip
    print("# the same, each page against the floor measured beside it: "
          + ("met" if not slow else f"NOT met by {', '.join(slow)}"))
    for label, figures in (("cached", results), ("uncached", uncached)):
        search = {name: f["server_p95"] for name, f in figures.items() if "search" in name}
        if search:
            slow_search = [name for name, ms in search.items() if ms >= TARGET_SEARCH_MS]
            print(f"# target search server p95 under {TARGET_SEARCH_MS:g} ms, {label}: "
                  + ("met" if not slow_search else f"NOT met by {', '.join(slow_search)}")
                  + f" (slowest {max(search.values()):.1f} ms)")


def notes(args):
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    print(f"{machine_line()}, {platform.platform()}")
    print(f"# python {platform.python_version()}, django {version_of('django')}, "
          f"gunicorn {version_of('gunicorn')}, psycopg {version_of('psycopg')}, "
          f"{(wrk_version.stdout or wrk_version.stderr).split(' [')[0].strip()}")
    print(f"# load: wrk {args.threads} threads, {args.connections} connections, "
          f"{args.duration} s a page after {WARM_UP_SECONDS} s of warm-up; gunicorn "
          f"{args.workers} sync workers; cache {args.cache_url or 'per-worker memory'}; "
          f"{args.rounds} round{'s' if args.rounds != 1 else ''} a page")


if __name__ == "__main__":
    main()
