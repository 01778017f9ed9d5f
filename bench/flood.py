"""Pages while strangers flood a PDF: /healthz and an academic case page, alone and while 16
anonymous connections ask for a case's handout pair over and over.

    .venv/bin/python bench/flood.py [--cases 200] [--duration 10] [--flood 16] [--target zip]
                                    [--server postgres://postgres@127.0.0.1:5432/postgres]

Like bench/load.py (whose database, settings and gunicorn it reuses): a throwaway PostgreSQL
database filled by `generate_cases`, gunicorn with production settings and 2 x cores + 1 sync
workers. The load comes from this process's threads (plain http.client, no wrk): the flood
threads, and one reader asking for each page in turn, one request at a time.

Figures: `<page>_p50` and `<page>_p95` alone and `<page>_flood_p50`/`_p95` during the flood, in
ms; `pdf_p50`, a handout pair asked for alone (the first request makes it, if the app keeps it);
`pdf_rps`, the handouts served per second during the flood. `--target zip` floods the academic
images .zip of the case instead (`zip_p50`, `zip_rps`); `--target healthz` floods /healthz, the
cheapest request: the queueing any 16 connections cause, whatever they ask for.
"""

import argparse
import http.client
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import gunicorn, machine_line  # bench/common.py
from load import (  # bench/load.py
    a_published_case,
    database_url,
    prepare,
    server_environment,
    throwaway_database,
)

PORT = 8766
TARGETS = {
    "pdf": "/standard/cases/{case}/handout-pair.pdf",
    "zip": "/academic/cases/{case}/images.zip",
    "healthz": "/healthz",  # the cheapest request: what any flood of 16 connections costs
}
WARM_UP_SECONDS = 2


def main():
    args = parse_args()
    database = f"bench_flood_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as scratch:
        env = server_environment(Path(scratch), database_url(args.server, database), "")
        with throwaway_database(args.server, database, keep=False):
            prepare(env, argparse.Namespace(reuse=None, cases=args.cases))
            case = a_published_case(env)
            print(f"{machine_line()}; {args.workers} gunicorn workers, {args.flood} "
                  f"connections flooding {args.target}")
            with gunicorn(env, PORT, ["--workers", str(args.workers)], "/healthz"):
                run(args, case)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200, help="cases to generate")
    parser.add_argument("--duration", type=int, default=10, help="seconds a measurement")
    parser.add_argument("--flood", type=int, default=16, help="connections asking for the PDF")
    parser.add_argument("--target", choices=TARGETS, default="pdf", help="what they ask for")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    return parser.parse_args()


def run(args, case):
    pages = {"floor": "/healthz", "academic_case": f"/academic/cases/{case}/"}
    target = TARGETS[args.target].format(case=case)
    for name, path in {**pages, args.target: target}.items():
        report(name, read(path, args.duration))
    stop, served = threading.Event(), []
    flood = [threading.Thread(target=flooder, args=(target, stop, served))
             for _ in range(args.flood)]
    for thread in flood:
        thread.start()
    time.sleep(WARM_UP_SECONDS)
    started, before = time.monotonic(), len(served)
    for name, path in pages.items():
        report(f"{name}_flood", read(path, args.duration))
    rate = (len(served) - before) / (time.monotonic() - started)
    print(f"{args.target}_rps: {rate:.1f} req/s")
    stop.set()
    for thread in flood:
        thread.join()


def read(path, seconds):
    """The latencies (ms) of one reader asking for the path again and again."""
    connection, latencies = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60), []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        status = get(connection, path)
        latencies.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    return latencies


def flooder(path, stop, served):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    while not stop.is_set():
        served.append(get(connection, path))


def get(connection, path):
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def report(name, latencies):
    print(f"{name}_p50: {statistics.median(latencies):.1f} ms")
    print(f"{name}_p95: {statistics.quantiles(latencies, n=20)[-1]:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
