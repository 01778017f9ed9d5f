"""bench/load.py --cold: every page as its first reader finds it. Distinct URLs, each asked
once, one at a time, with the cache on (Redis) but holding none of them: case pages, browse
pages at random depths up to the last, random combinations of every filter of both forms (at
random depths up to their own last page), searches for common, rare and misspelt words alone
and with a filter, random draws with filters, and the homepage right after a save (this process
changes a case's text through the ORM before each). Prints p50 and p95 of the server time (the
Server-Timing header) and of the client's, per kind of page, and a verdict per target."""

import http.client
import os
import random
import statistics
import sys
import time

TARGET_MS = 50.0  # server time, p95, every kind


def run_cold(env, port, per_kind, only="", seed=1):
    """Measure, with the app served on port; env is the app's environment (the same database).
    only: the kinds whose name holds one of these comma-separated parts (the floor always); the
    URLs of every kind are drawn all the same, so a kind's URLs are those of a full run."""
    rng = random.Random(seed)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH",
                                           "DATABASE_URL", "SECRET_KEY", "CACHE_URL",
                                           "CACHE_KEY_PREFIX", "MEDIA_ROOT",
                                           "BENCH_STATIC_ROOT", "ENV_FILE")})
    sys.path[:0] = [p for p in env["PYTHONPATH"].split(os.pathsep) if p not in sys.path]
    import django

    django.setup()
    from cold_urls import Urls  # bench/cold_urls.py, which needs Django set up

    urls = Urls(rng, per_kind)
    client = Client(port)
    print(f"# load average before: {load_average()}", flush=True)
    timings = {"floor": [client.get("/healthz") for _ in range(per_kind)]}
    paths = {}
    wanted = [part for part in only.split(",") if part]
    for kind, path, cookie in urls.pages():
        if wanted and not any(part in kind for part in wanted):
            continue
        if kind.endswith("home"):
            urls.save_a_case()
        timings.setdefault(kind, []).append(client.get(path, cookie))
        paths.setdefault(kind, []).append(path)
    print(f"# load average after: {load_average()}", flush=True)
    report(timings)
    report_slowest(timings, paths)


class Client:
    """One keep-alive connection to the app; get() -> (server ms, client ms)."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path, cookie=""):
        headers = {"Cookie": cookie} if cookie else {}
        started = time.perf_counter()
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        response.read()
        client_ms = (time.perf_counter() - started) * 1000
        if response.status >= 400:
            raise SystemExit(f"{path} answered {response.status}")
        timing = response.getheader("Server-Timing", "app;dur=nan")
        return float(timing.split("dur=")[1]), client_ms


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def report(timings):
    floor = timings["floor"]
    slow = []
    for kind, pairs in timings.items():
        server = [s for s, _ in pairs]
        client = [c for _, c in pairs]
        print(f"cold_{kind}_requests: {len(pairs)} count")
        for label, values in (("server", server), ("client", client)):
            print(f"cold_{kind}_{label}_p50: {statistics.median(values):.1f} ms")
            print(f"cold_{kind}_{label}_p95: {percentile(values, 95):.1f} ms")
        if kind != "floor" and percentile(server, 95) >= TARGET_MS:
            slow.append(kind)
        if kind != "floor":
            verdict = "met" if percentile(server, 95) < TARGET_MS else "NOT met"
            print(f"# target {kind} server p95 under {TARGET_MS:g} ms cold: {verdict}")
    print(f"# floor client p50 {statistics.median(c for _, c in floor):.1f} ms")
    print("# target every kind cold under 50 ms server p95: "
          + ("met" if not slow else f"NOT met by {', '.join(slow)}"), flush=True)


def report_slowest(timings, paths, count=3):
    """The slowest URLs of each kind (server ms), which decide its p95: the pages to profile
    first, with `manage.py shell` or bench/reader_cpu.py's harness."""
    for kind, urls in paths.items():
        slowest = sorted(zip(timings[kind], urls, strict=True), reverse=True)[:count]
        for (server, _), path in slowest:
            print(f"# slowest {kind}: {server:.1f} ms {path}")


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])
