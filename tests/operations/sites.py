"""The app in processes of its own for tests/operations: its environment on the test database (or
another), gunicorn with deploy/gunicorn.conf.py, and the JSON lines it writes."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.local_processes import database_url, free_port

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 120  # a bound on waiting for a server on a busy machine, not a measurement


def app_environment(media_root, **settings):
    """The test settings (production ones, plain http) on the test database, with JSON logs,
    nothing inherited of the caller's cache or storage."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DJANGO_", "DATABASE_", "CACHE_", "S3_", "LOG_", "GUNICORN_"))}
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=database_url(),
               MEDIA_ROOT=str(media_root), LOG_FORMAT="json")
    env.update(settings)
    return env


def get(url, headers=None, context=None):
    """(status, headers, body) of a GET; error statuses too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_until_up(url, process, log, **options):
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited at start: {Path(log).read_text()[-3000:]}"
        try:
            get(url, **options)
            return
        except OSError:  # not listening yet
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {START_SECONDS} s")


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py on 127.0.0.1, its output kept in a file."""

    def __init__(self, env, folder, *options):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(folder, f"gunicorn-{self.port}.log")
        command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                   "--bind", f"127.0.0.1:{self.port}", "--workers", "1", *options,
                   "repository.wsgi"]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def __enter__(self):
        # As nginx asks: over https, so that SECURE_SSL_REDIRECT lets it through.
        wait_until_up(f"{self.base}/healthz", self.process, self.log,
                      headers={"X-Forwarded-Proto": "https"})
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)

    def log_lines(self):
        """Each line of its output, parsed: every one must be a JSON object."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def logged(self, **fields):
        """The first line holding these fields, waited for: a worker may log just after its
        answer went out."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if all(line.get(name) == value for name, value in fields.items()):
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no line with {fields} in {self.log.read_text()[-3000:]}")


@contextmanager
def serving(env, folder, *options):
    with Gunicorn(env, folder, *options) as server:
        yield server
