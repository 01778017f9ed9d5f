"""How fast studies arrive from a PACS: a 512 x 512 CT series sent by DCMTK's storescu to our
receiver (pacs/receiver.py), against DCMTK's own storescp writing the same files to disk, the
floor of what receiving over DICOM costs on this machine.

    .venv/bin/python bench/receive.py [--slices 200] [--repeat 2]

Everything happens in a temporary folder removed at the end: the series, MEDIA_ROOT, WORK_DIR
and a SQLite database. The upload job each study becomes runs at once (the immediate tasks
backend), so that the time to the draft includes it. Our receiver runs in a thread of this
process on a free port; storescp as a process. Figures go to stdout as `name: value unit`;
lines starting with # are notes.
"""

import argparse
import os
import queue
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter

from common import machine_line, version_of  # bench/common.py
from ingest import configure_environment, throwaway_database, write_ct_series  # bench/ingest.py

AE_TITLE, CALLING = "TEACHING", "BENCH_SCU"
MAX_PDU = 131_072  # the largest storescp accepts


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-receive-") as scratch:
        scratch = Path(scratch)
        os.environ["WORK_DIR"] = str(scratch / "work")
        # The upload job of each received study runs at once, in the receiver's thread (its
        # staging in processes of its own, as a db_worker's would): no worker to start and poll.
        os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
        configure_environment(scratch, None)
        with throwaway_database(None):
            run(args, scratch)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=200, help="slices in the CT series (200)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, fastest kept (2)")
    return parser.parse_args()


def run(args, scratch):
    print(machine_line())
    print(f"# pynetdicom {version_of('pynetdicom')}, {dcmtk_version()}")
    print(f"# {args.slices} slices of 512 x 512 x 16 bits, max PDU {MAX_PDU} bytes")
    floor = min(
        storescp_seconds(series(scratch, n, args.slices), scratch, n) for n in range(args.repeat)
    )
    print(f"storescp_floor: {args.slices / floor:.1f} slices/s")
    arrived, drafted = receiver_seconds(scratch, args)
    print(f"receiver_arrival: {args.slices / arrived:.1f} slices/s")
    print(f"receiver_to_draft: {args.slices / drafted:.1f} slices/s")
    print(f"arrival_vs_storescp: {floor / arrived:.2f} ratio")
    ingested = min(ingest_seconds(series(scratch, 10 + n, args.slices)) for n in range(args.repeat))
    print(f"ingest_same_series: {args.slices / ingested:.1f} slices/s")
    print(f"to_draft_vs_ingest: {drafted / ingested:.2f} ratio")


def series(scratch, run_number, slices):
    return write_ct_series(scratch / f"series-{run_number}", slices, seed=run_number)


def storescp_seconds(paths, scratch, run_number):
    """storescu's time to send the series to storescp, which writes each file to disk."""
    out = scratch / f"storescp-{run_number}"
    out.mkdir()
    port = free_port()
    scp = subprocess.Popen(["storescp", "--max-pdu", str(MAX_PDU), "-od", str(out), str(port)],
                           stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_port(port)
        seconds = storescu_seconds(port, paths)
    finally:
        scp.terminate()
        scp.wait()
    assert len(list(out.iterdir())) == len(paths), "storescp did not write every file"
    return seconds


def receiver_seconds(scratch, args):
    """(seconds until storescu is done, seconds until the draft case is published), fastest."""
    from django.contrib.auth import get_user_model

    from pacs.models import CallingAE
    from pacs.receiver import Limits, Receiver

    author = get_user_model().objects.create_user("bench", is_staff=True)
    CallingAE.objects.create(ae_title=CALLING, contributor=author)
    taken = queue.Queue()
    limits = Limits.from_settings()
    receiver = Receiver(AE_TITLE, Limits(**{**limits.__dict__, "max_pdu": MAX_PDU}), taken.put)
    port = free_port()
    receiver.start(("127.0.0.1", port), block=False)
    results = []
    try:
        for run_number in range(args.repeat):
            paths = series(scratch, args.repeat + run_number, args.slices)
            start = perf_counter()
            arrived = storescu_seconds(port, paths)
            [record] = taken.get(timeout=3600)
            assert record.images_added == args.slices, record.refusals
            results.append((arrived, perf_counter() - start))
    finally:
        receiver.shutdown()
    return min(results)


def ingest_seconds(paths):
    """The same series through the upload entry point directly (import_study, one process): what
    the hand-over costs without the network."""
    from django.contrib.auth import get_user_model

    from cases.models import Case
    from viewer.uploads import add_files

    author = get_user_model().objects.get(username="bench")
    case = Case.objects.create(title="ingest", author=author, status=Case.Status.DRAFT)
    start = perf_counter()
    report = add_files(case, str(paths[0].parent), accept_pictures=False)
    assert report.added == len(paths), report.skipped
    return perf_counter() - start


def storescu_seconds(port, paths):
    command = ["storescu", "-aet", CALLING, "-aec", AE_TITLE, "--max-pdu", str(MAX_PDU),
               "127.0.0.1", str(port), *map(str, paths)]  # fmt: skip
    start = perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return perf_counter() - start


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, attempts=200):
    for _ in range(attempts):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        subprocess.run(["sleep", "0.05"], check=True)
    raise SystemExit(f"nothing listens on port {port}")


def dcmtk_version():
    result = subprocess.run(["storescu", "--version"], capture_output=True, text=True)
    first = result.stdout.splitlines()[0] if result.stdout else "DCMTK"
    return first.strip("$ ").removeprefix("dcmtk: ")


if __name__ == "__main__":
    sys.exit(main())
