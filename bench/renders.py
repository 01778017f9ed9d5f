"""Our render step against DCMTK's dcm2pnm on the same files, for bench/ingest.py: each renderer
writes a PNG of each file in turn, and the median time per image is kept."""

import functools
import shutil
import statistics
import subprocess
from collections import defaultdict
from time import perf_counter

import numpy as np
import pydicom


def render_display_png(path, out):
    """What dcm2pnm does, in process: the file from disk, windowed to 8 bits, written as PNG."""
    from dicom import frames, reading
    from dicom.renditions import _png  # the pipeline's own PNG encoder and compress level

    picture = frames.to_picture(reading.read_dataset(path.read_bytes()))
    out.write_bytes(_png(picture))


def render_all_renditions(path, out):
    """The pipeline's full render(): lossless full-size PNG, JPEG display and thumbnail."""
    from dicom import frames, reading
    from dicom.renditions import render

    renditions = render(frames.to_picture(reading.read_dataset(path.read_bytes())), lossless=True)
    out.write_bytes(renditions.full + renditions.display + renditions.thumbnail)


def dcm2pnm(path, out):
    subprocess.run(
        ["dcm2pnm", "--write-png", *dcm2pnm_window(path), str(path), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@functools.cache  # read outside the timing, before the first turn
def dcm2pnm_window(path):
    """The file's first window, as our display uses; the min-max window when it has none."""
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    return ("+Wi", "1") if "WindowCenter" in ds else ("+Wm",)


def largest_difference(first, second):
    """How far apart two renderings of a file are, in grey levels: 1 is rounding."""
    from PIL import Image

    with Image.open(first) as one, Image.open(second) as other:
        return int(np.abs(np.asarray(one, dtype=int) - np.asarray(other, dtype=int)).max())


def compare_renders(files, scratch):
    """The median milliseconds per image of each renderer. They take turns file by file, and
    the median ignores the moments another program had the CPU."""
    renderers = {"ours": render_display_png, "ours_full": render_all_renditions}
    if shutil.which("dcm2pnm"):
        renderers["dcm2pnm"] = dcm2pnm
    out = scratch / "renders"
    out.mkdir()
    for name, renderer in renderers.items():  # warm-up: imports, caches, the binary in page cache
        renderer(files[0], out / f"warm-up-{name}.png")
    if "dcm2pnm" in renderers:
        for path in files:
            dcm2pnm_window(path)
    seconds = defaultdict(list)
    for index, path in enumerate(files):
        for name, renderer in renderers.items():
            start = perf_counter()
            renderer(path, out / f"{index}-{name}.png")
            seconds[name].append(perf_counter() - start)
    medians = {name: 1000 * statistics.median(times) for name, times in seconds.items()}
    if "dcm2pnm" in renderers:
        medians["difference"] = largest_difference(out / "0-ours.png", out / "0-dcm2pnm.png")
    return medians


def process_start_ms(runs=20):
    """What starting dcm2pnm costs before it reads anything: `dcm2pnm --version`."""
    start = perf_counter()
    for _ in range(runs):
        subprocess.run(["dcm2pnm", "--version"], check=True, stdout=subprocess.DEVNULL)
    return 1000 * (perf_counter() - start) / runs



def dcmtk_version():
    if not shutil.which("dcm2pnm"):
        return "no dcm2pnm"
    version = subprocess.run(["dcm2pnm", "--version"], capture_output=True, text=True).stdout
    return next((line.strip("$ ") for line in version.splitlines() if " v" in line), "dcm2pnm")
