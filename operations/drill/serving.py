"""The restored copy's settings and its gunicorn, on a free port of the loopback."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

START_SECONDS = 120  # a bound on waiting for gunicorn on a busy machine, not a measurement


def restored_environment(database_url, folder, host):
    """The site's own settings but for its data: the fresh database, a fresh media folder and
    working folder, this process's memory for a cache, never the site's object store. Set
    empty rather than left out, so that an ENV_FILE cannot fill them in."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(Path(folder, "media")),
        "WORK_DIR": str(Path(folder, "work")),
        "CACHE_URL": "",
        "S3_BUCKET": "",
        "ALLOWED_HOSTS": ",".join(dict.fromkeys([host, "127.0.0.1"])),
    }


def manage(env, *args):
    """A manage.py command of the project in a process of its own; its output, or RuntimeError
    with what it said."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr.strip() or done.stdout}")
    return done.stdout


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env, log_path):
    """The restored copy served on 127.0.0.1; yields its base URL once it is ready."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "repository.wsgi", "--workers", "1",
               "--threads", "2", "--bind", f"127.0.0.1:{port}"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, process, log_path)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)


def _wait_until_ready(base, process, log_path):
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start: {Path(log_path).read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the restored copy did not answer within {START_SECONDS} s")
