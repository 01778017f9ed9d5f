"""The fault drill: what a department's server lives through, done to the app on purpose.

    .venv/bin/python bench/faults.py

1. PostgreSQL restarted while pages are served: a private cluster (tests/private_postgres.py),
   gunicorn with 2 workers and production settings, 4 client threads asking a logged-in page
   (session, user and rows read from the database) and /healthz without pause. Printed: the
   requests made while the database was down and their statuses, the slowest of them, the time
   from the database being back to the first page served, and any error after that.
2. The importer killed mid-upload: `manage.py import_study` of a CT series, its whole process
   group sent SIGKILL once it has written files. Printed: images published by it (must be 0:
   publishing is one transaction), files it left, files `sweep_orphans` then deletes, files left.
3. A disk that fills during an upload: the importer on a 2 MiB tmpfs (root only). Printed: its
   exit status, whether it said the storage is full, and the files left.

Needs root (the cluster runs as the postgres user; the tmpfs is mounted) and Debian's
PostgreSQL server binaries. Prints `name: value unit` lines.
"""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from common import gunicorn, machine_line  # bench/common.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import private_postgres  # noqa: E402
from tests.dicom_factory import ct_series  # noqa: E402
from tests.private_postgres import manage  # noqa: E402

PYTHON = sys.executable
CLIENTS = 4
DOWN_SECONDS = 5


def main():
    reason = private_postgres.available()
    if reason:
        sys.exit(f"The drill cannot run here: {reason}.")
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as scratch, \
            private_postgres.PrivateCluster() as cluster:
        cluster.create_database("app")
        env = environment(Path(scratch), cluster.url("app"))
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        cookie = f"sessionid={resident_session(env)}"
        restart_drill(env, cluster, cookie)
        kill_drill(env, Path(scratch))
        full_disk_drill(env, Path(scratch))


def environment(scratch, url):
    return private_postgres.app_environment(
        url, scratch / "media",
        DJANGO_SETTINGS_MODULE="load_settings", BENCH_STATIC_ROOT=str(scratch / "static"),
        PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        LOG_LEVEL="CRITICAL",  # the outage would log a trace per request
    )


def resident_session(env):
    """Alice, who will own the imports, and the session key of Rita, a resident."""
    manage(env, "shell", "--no-imports", "-c", "from django.contrib.auth import get_user_model; "
           "get_user_model().objects.create_user('alice', password='correct horse battery')")
    return private_postgres.resident_session(env)


# --- 1. the database restarted -----------------------------------------------------------------


def restart_drill(env, cluster, cookie):
    port = private_postgres.free_port()
    base = f"http://127.0.0.1:{port}"
    log, stop = [], threading.Event()
    with gunicorn(env, port, ["--workers", "2"], ready_path="/healthz"):
        clients = [threading.Thread(target=ask, args=(f"{base}/progress/", cookie, log, stop))
                   for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(2)
        down_at = time.monotonic()
        cluster.stop()
        time.sleep(DOWN_SECONDS)
        cluster.start()
        up_at = time.monotonic()
        time.sleep(3)
        stop.set()
        for client in clients:
            client.join()
    report_restart(log, down_at, up_at)


def ask(url, cookie, log, stop):
    while not stop.is_set():
        started = time.monotonic()
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0  # no answer at all
        log.append((started, time.monotonic(), status))


def report_restart(log, down_at, up_at):
    down = [entry for entry in log if down_at <= entry[0] < up_at]
    after = [entry for entry in log if entry[0] >= up_at]
    statuses = sorted({status for _, _, status in down})
    print(f"restart_requests_while_down: {len(down)} requests")
    print(f"restart_statuses_while_down: {' '.join(map(str, statuses))} status")
    slowest = max(((end - start) * 1000 for start, end, _ in down), default=0)
    print(f"restart_slowest_while_down: {slowest:.0f} ms")
    first_ok = min((end for start, end, status in after if status == 200), default=None)
    recovery = "never" if first_ok is None else f"{(first_ok - up_at) * 1000:.0f}"
    print(f"restart_back_to_first_page: {recovery} ms")
    errors = sum(1 for _, _, status in after if status != 200)
    print(f"restart_errors_after_back: {errors} of {len(after)} requests")


# --- 2. the importer killed mid-upload ---------------------------------------------------------


def series_zip(folder, slices):
    path = folder / f"ct-{slices}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for n, data in enumerate(ct_series(slices)):
            archive.writestr(f"slice{n:04}.dcm", data)
    return path


def media_files(env):
    media = Path(env["MEDIA_ROOT"])
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def image_count(env):
    return int(manage(env, "shell", "--no-imports", "-c",
                      "from viewer.models import Image; print(Image.objects.count())"))


def kill_drill(env, scratch):
    before = image_count(env)
    upload = series_zip(scratch, 400)
    importer = subprocess.Popen(
        [PYTHON, "manage.py", "import_study", str(upload), "--author", "alice"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    while len(media_files(env)) < 200 and importer.poll() is None:
        time.sleep(0.05)
    os.killpg(importer.pid, signal.SIGKILL)  # the server and its workers, as a crash would
    importer.wait()
    left = len(media_files(env))
    print(f"kill_images_published: {image_count(env) - before} images")
    print(f"kill_files_left: {left} files")
    swept = manage(env, "sweep_orphans").splitlines()[-1]
    print(f"kill_files_after_sweep: {len(media_files(env))} files")
    print(f"# sweep_orphans said: {swept}")


# --- 3. a full disk ----------------------------------------------------------------------------


def full_disk_drill(env, scratch):
    media = scratch / "small-disk"
    media.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", media], check=True)
    try:
        small = dict(env, MEDIA_ROOT=str(media))
        done = subprocess.run(
            [PYTHON, "manage.py", "import_study", str(series_zip(scratch, 300)),
             "--author", "alice"],
            cwd=ROOT, env=small, capture_output=True, text=True,
        )
        said = "storage is full" in (done.stdout + done.stderr)
        print(f"full_disk_exit_status: {done.returncode} code")
        print(f"full_disk_said_storage_full: {'yes' if said else 'no'} answer")
        print(f"full_disk_files_left: {len(media_files(small))} files")
    finally:
        subprocess.run(["umount", "-l", media], check=True)


if __name__ == "__main__":
    main()
