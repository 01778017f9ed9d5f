"""How fast DICOM ingest is: a 512 x 512 CT series end to end, where its time goes, and our
render step against DCMTK's dcm2pnm on the same files.

    .venv/bin/python bench/ingest.py [--slices 200] [--repeat 3] [--profile]
                                     [--database-url postgres://...]

Everything happens in a temporary folder removed at the end: the series, MEDIA_ROOT and a SQLite
database. With --database-url, a throwaway database is created on that server, beside the one
named, as `manage.py test` does, and dropped at the end. The user's data and media are untouched.

Figures go to stdout, one a line, as `name: value unit`; lines starting with # are notes.
Timings on a shared machine are noisy: compare ratios measured in the same run, not figures
from different days. docs/performance.md ("DICOM ingest") records runs and where time goes.
"""

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import secrets
import shutil
import sys
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter, process_time

import numpy as np
import pydicom
from common import machine_line, version_of  # bench/common.py
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid
from renders import compare_renders, dcmtk_version, process_start_ms  # bench/renders.py

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "693_UNCR.dcm"  # pydicom-data: a 512 x 512 CT slice, 16-bit signed, one window
SLICE_STEP_MM = 1.25
WARM_UP_SLICES = 5
TARGET_SLICES_PER_S = 50
TARGET_RENDER_RATIO = 0.5
POOL_WORKERS = 2


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
        scratch = Path(scratch)
        configure_environment(scratch, args.database_url)
        with throwaway_database(args.database_url):
            run(args, scratch)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=200, help="slices in the CT series (200)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to run on (postgres://...); a throwaway database is created "
        "beside the one named and dropped afterwards. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each ingest; the fastest counts (3)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile of one ingest to stderr"
    )
    args = parser.parse_args()
    if args.slices < 2 or args.repeat < 1:
        parser.error("--slices must be at least 2 and --repeat at least 1")
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL (SQLite is the default)")
    return args


# --- a private Django ----------------------------------------------------------------------------


def configure_environment(scratch, database_url):
    """Settings come from the environment (repository/settings.py): point every one that could
    reach the user's data at the scratch folder, before Django reads them."""
    values = {
        "DJANGO_SETTINGS_MODULE": "repository.settings",
        "DATABASE_URL": database_url or f"sqlite:///{scratch / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(scratch / "media"),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "WARNING",
    }
    for name, value in values.items():
        os.environ[name] = value
        os.environ.pop(f"{name}_FILE", None)  # a NAME_FILE would win over NAME
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@contextmanager
def throwaway_database(database_url):
    from django.core.management import call_command
    from django.db import connection

    if not database_url:  # the SQLite file is in the scratch folder already
        call_command("migrate", verbosity=0, interactive=False)
        try:
            yield
        finally:
            connection.close()
        return
    # Never migrate the database named: make a sibling, as `manage.py test` does.
    connection.settings_dict["TEST"]["NAME"] = f"bench_ingest_{os.getpid()}"
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


def new_case(author, title):
    from cases.models import Case

    return Case.objects.create(title=title, author=author, status=Case.Status.DRAFT)


def new_contributor():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cases import roles

    user = get_user_model().objects.create_user(username="bench-contributor", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.CONTRIBUTORS))
    return user


# --- the series ----------------------------------------------------------------------------------


def sample_path():
    path = get_testdata_file(SAMPLE, download=False)  # never the network
    if path is None:
        sys.exit(f"{SAMPLE} not found: install pydicom-data (.venv/bin/pip install -e '.[test]')")
    return path


def write_ct_series(folder, slices, seed):
    """A CT series as a scanner would send it: one file per slice, each with its own UIDs,
    number and position, pixels differing from slice to slice, files named in shuffled order."""
    folder.mkdir(parents=True)
    ds = pydicom.dcmread(sample_path())
    pixels = ds.pixel_array
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    x, y, z = (float(value) for value in ds.ImagePositionPatient)
    order = list(range(slices))
    random.Random(seed).shuffle(order)
    for number, index in enumerate(order):
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.InstanceNumber = index + 1
        ds.ImagePositionPatient = [x, y, round(z + index * SLICE_STEP_MM, 3)]
        ds.SliceLocation = round(z + index * SLICE_STEP_MM, 3)
        ds.PixelData = np.roll(pixels, (index // 512, index % 512), axis=(0, 1)).tobytes()
        ds.save_as(folder / f"IM{number:05d}", enforce_file_format=True)
    return sorted(folder.iterdir())


# --- end to end ----------------------------------------------------------------------------------


def ingest(folder, case):
    """What import_study does: walk, stage, publish in one transaction. Returns the seconds."""
    from viewer.ingest import already_in
    from viewer.uploads import Upload, cleanup_unpublished

    start = perf_counter()
    with cleanup_unpublished():
        upload = Upload(case, known=timed_lookup(already_in(case)), accept_pictures=False)
        upload.stage(folder)
        with steps.step("publish_db"):
            added = upload.publish().added
    seconds = perf_counter() - start
    files = len(list(folder.iterdir()))
    assert added == files, f"{added} images from {files} files"
    forget_media()
    return seconds


def forget_media():
    """An ingest writes about a megabyte a slice: drop it once timed (rows then point nowhere)."""
    from django.conf import settings

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def timed_lookup(known):
    def lookup(fingerprint):
        with steps.step("known_lookup"):
            return known(fingerprint)

    return lookup


class Steps:
    """Seconds spent in each step of stage(), summed over the files, by wrapping the functions
    ingest calls (a wrapper costs about a microsecond)."""

    def __init__(self):
        self.seconds = defaultdict(float)

    @contextmanager
    def step(self, name):
        start = perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += perf_counter() - start

    @contextmanager
    def wrapping(self):
        from dicom import deid, frames, pixelstore, reading
        from viewer import ingest, staging

        # (module or class, attribute, step): what ingest calls, looked up at call time.
        targets = [
            (reading, "read_dataset", "read_check"),
            (reading, "check_image", "read_check"),
            (deid, "deidentify", "deidentify"),
            (deid, "to_bytes", "deidentify"),
            (frames, "to_picture", "to_picture"),
            (ingest, "render", "render"),
            (frames, "stored_values", "stored_values"),
            (pixelstore, "encode", "pixelstore_encode"),
            (staging.Staging, "write", "storage_writes"),
        ]
        originals = [(owner, name, getattr(owner, name)) for owner, name, _ in targets]
        for (owner, name, step), (_, _, original) in zip(targets, originals, strict=True):
            setattr(owner, name, self._timed(original, step))
        try:
            yield self
        finally:
            for owner, name, original in originals:
                setattr(owner, name, original)

    def _timed(self, function, name):
        def timed(*args, **kwargs):
            with self.step(name):
                return function(*args, **kwargs)

        return timed


steps = Steps()  # ingest() reports to it; only a breakdown run wraps the pipeline's functions


def breakdown(folder, case, slices):
    """Milliseconds per slice in each step; `other` is the rest of the wall time."""
    steps.seconds.clear()
    with steps.wrapping():
        total = ingest(folder, case)
    per_slice = {name: 1000 * seconds / slices for name, seconds in steps.seconds.items()}
    per_slice["other"] = 1000 * total / slices - sum(per_slice.values())
    per_slice["total"] = 1000 * total / slices
    return per_slice


# --- two processes -------------------------------------------------------------------------------


def ingest_in_pool(files, case, workers):
    """What `import_study --jobs N` does: stage_folder() with N forked workers, then publish in
    one transaction. The pool starts inside the timing. Returns the seconds."""
    from viewer.uploads import add_files

    start = perf_counter()
    added = add_files(case, files[0].parent, jobs=workers, accept_pictures=False).added
    seconds = perf_counter() - start
    assert added == len(files), f"{added} images from {len(files)} files"
    forget_media()
    return seconds


# --- the run -------------------------------------------------------------------------------------


def run(args, scratch):
    print_machine()
    author = new_contributor()
    write_ct_series(scratch / "warm-up", WARM_UP_SLICES, seed=1)
    files = write_ct_series(scratch / "ct", args.slices, seed=2)
    ingest(scratch / "warm-up", new_case(author, "warm-up"))
    single, pooled = measure_ingest(files, author, args.repeat)
    measure_steps(files, author, args.repeat)
    renders = measure_renders(files, scratch)
    print_targets(single, pooled, renders)
    if args.profile:
        profile(files[0].parent, new_case(author, "profile"))


def measure_ingest(files, author, repeat):
    """Slices a second in one process and in a pool, the best of `repeat` runs of each."""
    slices, folder = len(files), files[0].parent
    single, cpu, pooled = [], [], []
    for n in range(repeat):  # alternate, so that a busy spell hits both alike
        started = process_time()
        single.append(ingest(folder, new_case(author, f"single process {n}")))
        cpu.append(process_time() - started)
        pooled.append(ingest_in_pool(files, new_case(author, f"pool {n}"), POOL_WORKERS))
    pool_seconds = min(pooled)
    show("ingest_ct_512", slices / min(single), "slices/s")
    show("ingest_ct_512_per_slice", 1000 * min(single) / slices, "ms")
    show("ingest_ct_512_cpu_per_slice", 1000 * min(cpu) / slices, "ms")
    show(f"ingest_ct_512_pool{POOL_WORKERS}", slices / pool_seconds, "slices/s")
    show(f"ingest_ct_512_pool{POOL_WORKERS}_speedup", min(single) / pool_seconds, "x")
    return slices / min(single), slices / pool_seconds


def measure_steps(files, author, repeat):
    folder = files[0].parent
    runs = [breakdown(folder, new_case(author, "breakdown"), len(files)) for _ in range(repeat)]
    for name, ms in min(runs, key=lambda ms_by_step: ms_by_step["total"]).items():
        show(f"ingest_step_{name}", ms, "ms")


def measure_renders(files, scratch):
    renders = compare_renders(files, scratch)
    show("render_ours_per_image", renders["ours"], "ms")
    show("render_ours_full_per_image", renders["ours_full"], "ms")
    if "dcm2pnm" not in renders:
        print("# dcm2pnm not found: install DCMTK (sudo apt-get install dcmtk) to compare with it")
        return renders
    show("render_dcm2pnm_per_image", renders["dcm2pnm"], "ms")
    show("render_dcm2pnm_process_start", process_start_ms(), "ms")
    show("render_ratio_ours_to_dcm2pnm", renders["ours"] / renders["dcm2pnm"], "x")
    show("render_ratio_ours_full_to_dcm2pnm", renders["ours_full"] / renders["dcm2pnm"], "x")
    show("render_ours_vs_dcm2pnm_max_difference", renders["difference"], "grey levels")
    return renders


def show(name, value, unit):
    print(f"{name}: {value:.3g} {unit}" if value < 100 else f"{name}: {value:.0f} {unit}")


def print_targets(single, pooled, renders):
    verdict = {True: "met", False: "not met"}
    print(
        f"# target ingest >= {TARGET_SLICES_PER_S} slices/s: "
        f"{verdict[single >= TARGET_SLICES_PER_S]} in one process, "
        f"{verdict[pooled >= TARGET_SLICES_PER_S]} with {POOL_WORKERS} processes"
    )
    if "dcm2pnm" in renders:
        met = renders["ours"] / renders["dcm2pnm"] <= TARGET_RENDER_RATIO
        print(f"# target render ratio <= {TARGET_RENDER_RATIO}: {verdict[met]}")


def print_machine():
    from django.db import connection

    libraries = ["Django", "pydicom", "numpy", "pillow", "pylibjpeg", "python-gdcm"]
    versions = ", ".join(f"{name} {version_of(name)}" for name in libraries)
    print(machine_line())
    print(f"# {dcmtk_version()}")
    print(f"# Python {platform.python_version()}, {versions}, database {connection.vendor}")



def profile(folder, case):
    """The functions an ingest spends its time in, to stderr (cProfile slows it about 1.5x)."""
    profiler = cProfile.Profile()
    profiler.enable()
    ingest(folder, case)
    profiler.disable()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    stats.sort_stats("tottime").print_stats(25)  # where the time is spent
    stats.sort_stats("cumulative").print_stats("viewer/", 25)  # and on whose behalf
    print(report.getvalue(), file=sys.stderr)


if __name__ == "__main__":
    main()
