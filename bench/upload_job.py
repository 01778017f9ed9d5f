"""A thin-slice CT study uploaded through the admin as a contributor would, under gunicorn with
its default 30 s timeout: how soon the request answers once the bytes are sent, how fast the
background job stages and publishes the slices, the worker's peak memory, and a worker killed
with SIGKILL in the middle of a job.

    .venv/bin/python bench/upload_job.py [--slices 1000] [--kill-slices 1000]
                                         [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Everything happens in a temporary folder removed at the end: the study's zip, MEDIA_ROOT,
WORK_DIR and a SQLite database (or, with --database-url, a throwaway PostgreSQL database beside
the one named, dropped at the end). The app runs with production settings (DEBUG off) under
gunicorn (2 workers, default timeout) and `manage.py db_worker`, as `make run` and a deployment
run them; the request is sent by this script over HTTP, streamed from disk.

Figures go to stdout, one a line, as `name: value unit`; lines starting with # are notes.
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from common import (  # bench/common.py
    database_url,
    gunicorn,
    machine_line,
    throwaway_database,
    version_of,
)
from ingest import write_ct_series  # bench/ingest.py
from upload_client import AdminClient  # bench/upload_client.py

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PORT = 8766
PASSWORD = "bench-contributor-password"
TARGET_ANSWER_SECONDS = 2.0
TARGET_SLICES_PER_S = 60
TARGET_WORKER_RSS_MB = 512


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-upload-job-") as scratch:
        scratch = Path(scratch)
        with scratch_database(args.database_url) as url:
            env = environment(scratch, url)
            configure_django(env)
            prepare(env)
            run(args, env, scratch)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=1000, help="CT slices uploaded (1000)")
    parser.add_argument("--kill-slices", type=int, default=1000,
                        help="slices of the upload whose worker is killed (1000; 0: skip)")
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL server's URL; the throwaway database goes beside it")
    parser.add_argument("--port", type=int, default=PORT)
    return parser.parse_args()


# --- settings, database, processes ---------------------------------------------------------------


@contextmanager
def scratch_database(server):
    """A SQLite file in the scratch folder (""), or a PostgreSQL database dropped at the end."""
    if not server:
        yield ""
        return
    name = f"bench_upload_job_{os.getpid()}"
    with throwaway_database(server, name, keep=False):
        try:
            yield database_url(server, name)
        finally:
            from django.db import connections

            connections.close_all()  # before the database is dropped


def environment(scratch, url):
    """Production settings (bench/load_settings.py: static files collected into the scratch
    folder), every path inside the scratch folder, uploads as large as the study."""
    env = dict(os.environ)
    for name in ("DEBUG", "REQUIRE_LOGIN", "CACHE_URL", "TASKS_BACKEND", "ENV_FILE"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="load_settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH)]),
        DATABASE_URL=url or f"sqlite:///{scratch / 'bench.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(scratch / "media"),
        WORK_DIR=str(scratch / "work"),
        BENCH_STATIC_ROOT=str(scratch / "static"),
        MAX_UPLOAD_MB="1024",
        LOG_LEVEL="WARNING",
    )
    return env


def configure_django(env):
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))  # the apps before bench/'s own modules of the same names
    import django

    django.setup()


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env):
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def new_study(title):
    """A draft case of the benchmark's contributor, with one empty CT study."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cases import roles
    from cases.models import Case, Modality, Study

    user, created = get_user_model().objects.get_or_create(
        username="bench-contributor", defaults={"is_staff": True}
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=roles.CONTRIBUTORS))
    case = Case.objects.create(title=title, author=user, status=Case.Status.DRAFT)
    return Study.objects.create(case=case, modality=Modality.objects.get(code="CT"))


@contextmanager
def worker(env):
    """`manage.py db_worker`, as `make run` starts it beside the server."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload"], cwd=ROOT, env=env,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


# --- the study -----------------------------------------------------------------------------------


def study_zip(scratch, slices, name):
    """A CT series of `slices` 512 x 512 slices, zipped (deflated) as a PACS export would be."""
    folder = scratch / name
    files = write_ct_series(folder, slices, seed=len(name))
    path = scratch / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for file in files:
            archive.write(file, f"{name}/{file.name}")
            file.unlink()
    folder.rmdir()
    return path


# --- measuring -----------------------------------------------------------------------------------


class PeakMemory:
    """Samples the resident memory of a process and its descendants every 50 ms: the largest
    single process and the tree's total (forked children share pages, so the total overstates)."""

    def __init__(self, pid):
        self.pid, self.single_kb, self.tree_kb = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        while not self._stop.wait(0.05):
            sizes = [rss_kb(pid) for pid in descendants(self.pid)]
            self.single_kb = max([self.single_kb, *sizes])
            self.tree_kb = max(self.tree_kb, sum(sizes))


def descendants(pid):
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            tasks = Path(f"/proc/{current}/task").iterdir()
            for task in tasks:
                queue.extend(int(n) for n in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_for_job(study, until=("done", "failed"), seconds=1800):
    from viewer.models import UploadJob

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = UploadJob.objects.filter(study=study).order_by("-pk").first()
        if job is not None and job.state in until:
            return job
        time.sleep(0.1)
    sys.exit(f"the job of study {study.pk} did not reach {until} in {seconds} s")


def media_files(env):
    root = Path(env["MEDIA_ROOT"])
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def show(name, value, unit):
    print(f"{name}: {value} {unit}", flush=True)


def run(args, env, scratch):
    notes(args, env)
    study = new_study("Thin-slice CT")
    upload = study_zip(scratch, args.slices, "ct")
    show("upload_zip", f"{upload.stat().st_size / 1e6:.0f}", "MB")
    with gunicorn(env, args.port, ["--workers", "2"], "/healthz"):
        client = AdminClient(f"http://127.0.0.1:{args.port}", "bench-contributor", PASSWORD)
        with worker(env) as process, PeakMemory(process.pid) as memory:
            answer_seconds, slices_per_s = measure_upload(client, study, upload, args.slices,
                                                          process.pid)  # fmt: skip
        show("worker_peak_rss_single_process", f"{memory.single_kb / 1024:.0f}", "MB")
        show("worker_peak_rss_tree", f"{memory.tree_kb / 1024:.0f}", "MB")
        drill = None
        if args.kill_slices:
            killed = study_zip(scratch, args.kill_slices, "killed")
            drill = kill_drill(client, env, new_study("Killed mid-job"), killed, args.kill_slices)
    targets(answer_seconds, slices_per_s, memory.single_kb / 1024, drill)


def measure_upload(client, study, upload, slices, worker_pid):
    started, cpu_before = time.time(), cpu_seconds(worker_pid)
    sent = client.upload(study.pk, upload)
    show("upload_request_status", sent.status, "code")
    show("upload_sent_seconds", f"{sent.sent_seconds:.2f}", "s")
    show("upload_answer_after_sent", f"{sent.answer_seconds:.2f}", "s")
    job = wait_for_job(study)
    seconds = (job.finished_at - job.started_at).total_seconds()
    show("job_state", job.state, "state")
    show("job_images_added", job.added, "images")
    show("job_seconds", f"{seconds:.1f}", "s")
    show("job_slices_per_s", f"{slices / seconds:.1f}", "slices/s")
    # From the first byte sent to the images published: the contributor's wait, queue included.
    end_to_end = job.finished_at.timestamp() - started
    show("end_to_end_seconds", f"{end_to_end:.1f}", "s")
    show("end_to_end_slices_per_s", f"{slices / end_to_end:.1f}", "slices/s")
    # The CPU the job took (the worker and its staging processes, reaped when the job ends): on a
    # busy shared machine the wall clock counts other people's work too; this does far less.
    cpu = cpu_seconds(worker_pid) - cpu_before
    show("job_cpu_ms_per_slice", f"{1000 * cpu / slices:.1f}", "ms")
    return sent.answer_seconds, slices / end_to_end


def cpu_seconds(pid):
    """User and system time of the process and of its children it has waited for (proc(5))."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(n) for n in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def kill_drill(client, env, study, upload, slices):
    """SIGKILL the worker a third of the way through a job: nothing published, no orphan file
    after sweep_orphans, and the job, retried under a new worker, completes."""
    from viewer.models import UploadJob

    before = media_files(env)
    with worker(env) as process:
        client.upload(study.pk, upload)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            job = UploadJob.objects.filter(study=study).order_by("-pk").first()
            if job is not None and job.done >= slices // 3:
                break
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)  # the worker alone, as the kernel's OOM killer would
        process.wait()
        show("killed_at_files_done", job.done, "files")
    time.sleep(1)  # the staging children see their parent gone and end
    show("killed_images_published", study.images.count(), "images")
    manage(env, "sweep_orphans", "-v", "0")
    show("orphan_files_after_sweep", len(media_files(env) - before), "files")
    with worker(env):
        client.retry(job.pk)
        job = wait_for_job(study, until=("done",))
    show("retried_job_state", job.state, "state")
    show("retried_images_published", study.images.count(), "images")
    return job.state == "done" and study.images.count() == slices


def notes(args, env):
    print(machine_line())
    print(f"# python {sys.version.split()[0]}, django {version_of('django')}, gunicorn "
          f"{version_of('gunicorn')}, database {env['DATABASE_URL'].split(':')[0]}")
    print(f"# {args.slices} slices of 512 x 512 CT (pydicom-data 693_UNCR.dcm, shifted per "
          f"slice); gunicorn 2 workers, default 30 s timeout; db_worker as make run starts it")


def targets(answer_seconds, slices_per_s, worker_mb, drill):
    def verdict(met):
        return "met" if met else "NOT met"

    print(f"# targets: answer within {TARGET_ANSWER_SECONDS} s of the upload: "
          f"{verdict(answer_seconds <= TARGET_ANSWER_SECONDS)}; {TARGET_SLICES_PER_S} slices/s: "
          f"{verdict(slices_per_s >= TARGET_SLICES_PER_S)}; worker under "
          f"{TARGET_WORKER_RSS_MB} MB: {verdict(worker_mb < TARGET_WORKER_RSS_MB)}; kill -9 "
          f"drill: {'not run' if drill is None else verdict(drill)}")


if __name__ == "__main__":
    main()
