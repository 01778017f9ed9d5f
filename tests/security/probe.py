"""Stage one file in this process and print, as JSON, how far its peak resident memory rose.

    python tests/security/probe.py FILE     (DJANGO_SETTINGS_MODULE=tests.settings)

Pillow's pixel buffers are not seen by tracemalloc, so resident memory is what is measured (Linux's
/proc/self/status), in a fresh process so that nothing staged before is still held.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import django

MiB = 1024 * 1024


def bound_bytes(file_bytes, frame_pixels):
    """The bound the README states: twice the file, plus twice its largest frame at 4 bytes a
    pixel, plus 32 MB for the libraries a first file loads."""
    return 2 * file_bytes + 2 * 4 * frame_pixels + 32 * MiB


def run(path, media_root):
    """Stage the file at `path` in a fresh process; how far its resident memory rose, in bytes."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "MEDIA_ROOT": str(media_root),
        "PYTHONPATH": str(root),
    }
    out = subprocess.run(
        [sys.executable, __file__, str(path)],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.splitlines()[-1])["peak_bytes"]


def status_bytes(field):
    """VmRSS (resident now) or VmHWM (its peak) from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024  # given in kB
    raise LookupError(field)


def reset_peak():
    """Start VmHWM again from what is resident now (Linux: clear_refs, value 5). ru_maxrss can't
    be reset, and it carries over whatever the parent had resident when it forked us."""
    Path("/proc/self/clear_refs").write_text("5")


def main(path):
    django.setup()
    from dicom.archive import Member  # noqa: PLC0415 (after django.setup)
    from viewer.ingest import IngestLimits, deid_context, stage  # noqa: PLC0415

    limits = IngestLimits.from_settings()
    context = deid_context(SimpleNamespace(deid_salt="probe"))
    member = Member(path.name, lambda: path.open("rb"), path.stat().st_size)
    reset_peak()
    before = status_bytes("VmRSS")
    staging = stage([member], context, limits)
    peak = status_bytes("VmHWM") - before
    staging.discard()
    print(json.dumps({"peak_bytes": peak}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
