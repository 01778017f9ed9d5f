"""A new web worker's first pages: what the reader who draws a worker just started (or just
replaced after gunicorn's max_requests) waits, against the pages after it.

    .venv/bin/python bench/first_pages.py --reuse NAME [--cache-url redis://127.0.0.1:6379/0]
                                          [--repeat 3]

NAME is a database kept by `bench/load.py --keep` (or generated alike). Each round starts
gunicorn with one worker and the load benchmark's production settings, asks /healthz three times
(what a load balancer does before sending readers), then, per kind of page, three distinct URLs
never asked before (browse, filters, a search, a case page, the homepage). Prints per kind the
server time (Server-Timing) of the first URL and the median of the two after it, each the median
over --repeat rounds: `first_<kind>_server: ms` and `next_<kind>_server: ms`.
"""

import argparse
import http.client
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import database_url, gunicorn, machine_line  # bench/common.py
from load import PYTHON, ROOT, manage, server_environment  # bench/load.py

PORT = 8766
# {n} makes each URL distinct: a page number, or (for a case) the nth published case.
KINDS = [
    ("browse", "/standard/cases/?page={n}"),
    ("filters", "/standard/cases/?anatomy=chest&page={n}"),
    ("search", "/standard/cases/?q=pain&page={n}"),
    ("case", "/standard/cases/{case}/"),
    ("home", "/?round={n}"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", metavar="NAME", required=True)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="bench-first-") as scratch:
        env = server_environment(Path(scratch), database_url(args.server, args.reuse),
                                 args.cache_url)
        manage(env, "collectstatic", "--noinput", "-v", "0")
        cases = published_cases(env, 3 * args.repeat)
        rounds = [one_round(env, cases[3 * number:3 * number + 3], number)
                  for number in range(args.repeat)]
    for kind, _ in KINDS:
        first = statistics.median(r[kind][0] for r in rounds)
        after = statistics.median(statistics.median(r[kind][1:]) for r in rounds)
        print(f"first_{kind}_server: {first:.1f} ms")
        print(f"next_{kind}_server: {after:.1f} ms")


def published_cases(env, count):
    """The ids of `count` published cases spread over the newest-first order."""
    code = ("from cases.models import Case; "
            "ids = list(Case.objects.published().values_list('pk', flat=True)); "
            f"print(*ids[::max(1, len(ids) // {count})][:{count}])")
    out = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout
    return [int(pk) for pk in out.strip().splitlines()[-1].split()]


def one_round(env, cases, number):
    """{kind: [server ms of its three URLs, in order]} from a fresh gunicorn worker; the URLs
    of each round differ from the other rounds', so that no round finds another's cached."""
    times = {}
    with gunicorn(env, PORT, ["--workers", "1"], "/healthz"):
        for _ in range(3):
            get("/healthz")
        for kind, path in KINDS:
            times[kind] = [get(path.format(n=10 * number + i + 2, case=cases[i]))
                           for i in range(3)]
    return times


def get(path):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    connection.request("GET", path, headers={"Cookie": "workflow=standard"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        sys.exit(f"{path} answered {response.status}")
    return float(response.getheader("Server-Timing").split("dur=")[1])


if __name__ == "__main__":
    main()
