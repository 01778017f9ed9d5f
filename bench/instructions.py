"""The instructions a request costs the app server, counted rather than timed.

    .venv/bin/python bench/instructions.py --reuse NAME [--requests 50] [--only PAGES]

The app is served by gunicorn with one sync worker under valgrind's callgrind, with the load
benchmark's production settings, on a database kept by `bench/load.py --keep` (its generated
readers, logged in as load.py logs them in). Each page is asked for --requests times, one request
at a time, after a warm-up; callgrind counts the instructions the worker ran from just before the
first to just after the last (`callgrind_control --dump`), divided by the requests.

A count, unlike a time, comes out the same on a busy machine, so it shows what a change did where
load.py's ratios move by a third from one run to the next. It is the app server's own work in
user space only: not the kernel's, the database's or the load generator's, which the wall-clock
ratios of load.py include. Needs valgrind (`apt-get install valgrind`); a run takes a few
minutes, most of it starting the app under valgrind.

Figures go to stdout as `name: value unit`: each page's `*_instructions` (millions a request)
and `*_instructions_ratio_to_floor` (against /healthz, the floor of load.py).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import database_url, gunicorn, machine_line  # bench/common.py
from load import (  # bench/load.py
    a_published_case,
    delete_cache_keys,
    prepare,
    server_environment,
)
from logins import log_in_readers, open_url  # bench/logins.py
from reader_cpu import PAGES as READER_CPU_PAGES  # bench/reader_cpu.py

PORT = 8767
WARM_UP = 10  # requests a page before counting: caches filled, statements prepared
# The pages counted, in this order: bench/reader_cpu.py's (name, path, logged in), whose
# {case} is a published case's id.
COUNTED = ["floor", "academic_browse_p1", "reader_browse_p1", "reader_random_unseen", "reader_case"]
PAGES = [next(page for page in READER_CPU_PAGES if page[0] == name) for name in COUNTED]
LOGINS = 8  # readers whose cookies the logged-in requests send in turn, as load.py's do


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", metavar="NAME", required=True,
                        help="a database kept by bench/load.py --keep")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/0",
                        help="CACHE_URL, as load.py's runs use it")
    parser.add_argument("--requests", type=int, default=50, help="counted requests a page")
    parser.add_argument("--only", default="", help="pages whose name contains one of these words")
    return parser.parse_args()


def main():
    args = parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind is missing: apt-get install valgrind")
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as scratch:
        scratch = Path(scratch)
        env = server_environment(scratch, database_url(args.server, args.reuse), args.cache_url)
        env["PYTHONHASHSEED"] = "0"  # the same dictionaries' layout each run: the same count
        prepare(env, argparse.Namespace(reuse=args.reuse, copy_of=None))
        case = a_published_case(env)
        dumps = scratch / "callgrind"
        dumps.mkdir()
        valgrind = ["valgrind", "--tool=callgrind", "--trace-children=yes",
                    f"--callgrind-out-file={dumps}/out.%p", f"--log-file={dumps}/valgrind.%p"]
        print(machine_line())
        print(f"# {args.requests} requests a page, one at a time, after {WARM_UP}; "
              "one gunicorn sync worker under callgrind", flush=True)
        options = ["--workers", "1", "--timeout", "0", "--graceful-timeout", "5"]
        try:
            with gunicorn(env, PORT, options, "/healthz", prefix=valgrind, up_within=900):
                count_pages(args, case, dumps)
        finally:
            delete_cache_keys(args.cache_url, env["CACHE_KEY_PREFIX"])


def count_pages(args, case, dumps):
    base = f"http://127.0.0.1:{PORT}"
    cookies = log_in_readers(base, LOGINS)
    if not cookies:
        sys.exit(f"no generated reader could log in: is {args.reuse} a database of load.py?")
    worker = _worker_pid()
    floor = None
    for name, path, logged_in in PAGES:
        if args.only and not any(word in name for word in args.only.split(",")):
            continue
        url = base + path.format(case=case)
        sent = cookies if logged_in else [None]
        for number in range(WARM_UP):
            _get(url, sent[number % len(sent)])
        _dump(worker, dumps)  # from here
        for number in range(args.requests):
            _get(url, sent[number % len(sent)])
        count = _dump(worker, dumps) / args.requests / 1e6
        floor = count if name == "floor" else floor
        print(f"{name}_instructions: {count:.3f} M/request")
        if floor and name != "floor":
            print(f"{name}_instructions_ratio_to_floor: {count / floor:.2f} x", flush=True)


def _worker_pid():
    """The one worker's pid: the child of gunicorn's master (the process valgrind started)."""
    found = subprocess.run(["pgrep", "-f", f"gunicorn repository.wsgi.*127.0.0.1:{PORT}"],
                           capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    pids = {int(pid) for pid in found}
    children = [pid for pid in pids if _parent(pid) in pids]
    if len(children) != 1:
        sys.exit(f"expected one gunicorn worker, found {len(children)}")
    return children[0]


def _parent(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def _dump(pid, dumps):
    """The instructions the worker ran since its last dump, which this one starts again."""
    before = set(dumps.glob(f"out.{pid}.*"))
    subprocess.run(["callgrind_control", "--dump", str(pid)], check=True, capture_output=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        new = set(dumps.glob(f"out.{pid}.*")) - before
        total = _total(new.pop()) if new else None
        if total is not None:
            return total
        time.sleep(0.5)
    sys.exit("callgrind wrote no dump within 120 s")


def _total(path):
    """The dump's total of instructions, once it is written to the end."""
    for line in path.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    return None


def _get(url, cookie):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with open_url(request) as response:  # a redirect is read as it is, not followed
        response.read()


if __name__ == "__main__":
    main()
