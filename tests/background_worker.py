"""The Tasks API's database worker (`manage.py db_worker`) in a process of its own, on the test
database, for the tests that run upload jobs as production does: what the test commits, the
worker reads; it may be stopped, or killed with SIGKILL, while it works."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tests.local_processes import database_url

ROOT = Path(__file__).resolve().parents[1]
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
WAIT_SECONDS = 120  # a bound on waiting for the worker, never a measurement


class Worker:
    def __init__(self, log):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "WORK_DIR": str(settings.WORK_DIR),
            "TASKS_BACKEND": DATABASE_BACKEND,
        }
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
             "--interval", "0.1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.pid = self.process.pid

    @property
    def alive(self):
        return self.process.poll() is None

    def children(self):
        """The pids of the processes this worker forked (its staging processes)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if int(fields[1]) == self.pid:
                found.append(int(stat.parent.name))
        return found

    def kill(self):
        """kill -9, then wait for its staging processes to follow it (PR_SET_PDEATHSIG)."""
        children = self.children()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WAIT_SECONDS)
        until(lambda: not any(running(pid) for pid in children))

    def stop(self):
        if self.alive:
            self.process.terminate()
            self.process.wait(timeout=WAIT_SECONDS)


def running(pid):
    """Whether the process runs (a zombie no parent reaped yet does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def until(condition, interval=0.02):
    """Wait for condition() to be true; fail after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"still not true after {WAIT_SECONDS} s: {condition}")


def stored():
    """The names of the files in storage."""
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def marked(name):
    """The pid of the staging process reading the uploaded file `name`, if one is."""
    for mark in Path(settings.WORK_DIR, "stagings").glob("marks-*/*"):
        try:
            if mark.read_text().endswith(f"/{name}"):
                return int(mark.name)
        except FileNotFoundError:
            continue
    return None
