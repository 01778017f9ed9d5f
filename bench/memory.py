"""Peak memory of staging one uploaded file: a 10000 x 10000 RGBA PNG (at MAX_IMAGE_PIXELS), a
~190 MB multi-frame DICOM (380 frames of 512 x 512) and a one-frame 6000 x 6000 16-bit DICOM, each
staged in a fresh process as the admin's upload does.

    .venv/bin/python bench/memory.py [--frames 380] [--side 10000] [--frame-side 6000]

Each file is built in code and written to a temporary folder; a child process
(tests/security/probe.py) reads it, stages it (viewer.ingest.stage: read, check, de-identify,
render, write to a temporary MEDIA_ROOT) and reports how far its resident memory peaked above
where it was (VmHWM against VmRSS, in /proc/self/status), beside the bound the README states.
Figures go to stdout as `name: value unit`; docs/performance.md ("Memory per file") records runs.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from common import machine_line  # bench/common.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dicom_factory import multiframe_ct  # noqa: E402 (the project, on the path above)
from tests.security.large_files import rgba_png  # noqa: E402
from tests.security.probe import MiB, bound_bytes, run  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=380, help="DICOM frames of 512 x 512 (380)")
    parser.add_argument("--side", type=int, default=10000, help="the PNG's side in pixels")
    parser.add_argument(
        "--frame-side", type=int, default=6000, help="side of a one-frame 16-bit DICOM (6000)"
    )
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch:
        scratch = Path(scratch)
        png = scratch / "large.png"
        png.write_bytes(rgba_png(args.side))
        report("png_rgba", png, scratch, args.side**2)
        dcm = scratch / "multiframe.dcm"
        dcm.write_bytes(multiframe_ct(args.frames))
        report("dicom_multiframe", dcm, scratch, 512 * 512)
        big = scratch / "large_frame.dcm"
        big.write_bytes(multiframe_ct(1, size=args.frame_side))
        report("dicom_large_frame", big, scratch, args.frame_side**2)


def report(name, path, scratch, frame_pixels):
    peak = run(path, scratch / "media")
    print(f"{name}_file: {path.stat().st_size / MiB:.2f} MB")
    print(f"{name}_frame_rgba: {4 * frame_pixels / MiB:.1f} MB")
    print(f"{name}_peak: {peak / MiB:.0f} MB")
    print(f"{name}_bound: {bound_bytes(path.stat().st_size, frame_pixels) / MiB:.0f} MB")


if __name__ == "__main__":
    main()
