"""A real S3 API on loopback for the object-store tests: moto's standalone server, in a process of
its own. .ci/run starts one and exports TESTS_S3_ENDPOINT_URL; without it the tests start their
own (once per run) and stop it at the end.

`use_bucket(settings)` switches the default storage to S3 (repository/storage.py) on a fresh
bucket, for one test, as the S3_* settings would; `environment(bucket)` gives the same to a
server or worker started by a test."""

import os
import subprocess
import sys
import time
import urllib.request
import uuid

from django.core.files.storage import default_storage

from repository import storage as object_store
from tests.local_processes import free_port

ENDPOINT_VARIABLE = "TESTS_S3_ENDPOINT_URL"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}
REGION = "us-east-1"
URL_SECONDS = 60
START_SECONDS = 60  # a bound on waiting for the server, never a measurement


class MotoServer:
    def __init__(self, log):
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_SECONDS
        while not answers(self.endpoint_url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto's server did not start (log: {log.name})")
            time.sleep(0.1)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def answers(endpoint_url):
    try:
        with urllib.request.urlopen(f"{endpoint_url}/moto-api/", timeout=2):
            return True
    except OSError:
        return False


def options(endpoint_url, bucket):
    return object_store.options(
        bucket=bucket, endpoint_url=endpoint_url, region=REGION, url_seconds=URL_SECONDS,
        prefix="site", **CREDENTIALS,
    )


def use_bucket(settings, endpoint_url):
    """The default storage switched to a fresh bucket of the server, with its CORS rule, and the
    Content-Security-Policy allowing its origin (as settings.py does with S3_BUCKET); returns the
    bucket's name."""
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    use_existing_bucket(settings, endpoint_url, bucket)
    default_storage.prepare_bucket(create=True)
    return bucket


def use_existing_bucket(settings, endpoint_url, bucket):
    """The default storage switched to a bucket the server already has."""
    settings.S3_BUCKET = bucket
    settings.S3_URL_SECONDS = URL_SECONDS
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "repository.storage.ObjectStore",
                    "OPTIONS": options(endpoint_url, bucket)},  # fmt: skip
    }
    policy = settings.CONTENT_SECURITY_POLICY
    origins = object_store.origins(bucket, endpoint_url, REGION)
    directives = {**policy["DIRECTIVES"]}
    for name in ("img-src", "connect-src"):
        directives[name] = [*directives.get(name, ["'self'"]), *origins]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}


def environment(endpoint_url, bucket):
    """The S3_* variables of a process started on the bucket."""
    return {
        "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint_url, "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": CREDENTIALS["access_key"],
        "S3_SECRET_ACCESS_KEY": CREDENTIALS["secret_key"],
        "S3_URL_SECONDS": str(URL_SECONDS), "S3_PREFIX": "site",
    }


def objects():
    """The names stored in the current bucket (relative to the prefix)."""
    return {name for top in ("images", "dicom", "generated")
            for name, _ in default_storage.walk(top)}  # fmt: skip


def endpoint_from_environment():
    return os.environ.get(ENDPOINT_VARIABLE) or None
