"""Media on the local disk against an S3 API on loopback (moto's server): a CT series ingested,
its full renditions requested, the orphan sweep over its files, and the series' files kept for an
upload job then fetched by the worker (viewer/job_files.py).

    .venv/bin/python bench/object_store.py [--slices 40] [--requests 200]

Everything happens in a temporary folder removed at the end: a SQLite database, MEDIA_ROOT, and
a moto server started here (its buckets in its memory) and stopped at the end. The same series is
ingested into each store; the requests go through Django's test client in this process, so
`ms_per_request` is the app's time alone: on disk it reads and sends the file, on the object store
it signs a URL and answers a redirect (the bytes then come from the store, not from the app).
moto is no S3: its writes cost a Python server's time on this machine, so `ingest_s` compares
the app's side of the work, not a real store's latency.

Figures go to stdout, one a line, as `name: value unit`; lines starting with # are notes.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from time import perf_counter

from common import machine_line, version_of  # bench/common.py
from ingest import new_case, new_contributor, write_ct_series  # bench/ingest.py

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "bench-media"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=40, help="slices of the series (40)")
    parser.add_argument("--requests", type=int, default=200, help="image requests timed (200)")
    args = parser.parse_args()
    if args.slices < 2 or args.requests < 1:
        parser.error("--slices must be at least 2 and --requests at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-object-store-") as scratch:
        scratch = Path(scratch)
        configure(scratch)
        print(machine_line())
        print(f"# load average {Path('/proc/loadavg').read_text().split()[0]}")
        print(f"# django-storages {version_of('django-storages')}, boto3 "
              f"{version_of('boto3')}, moto {version_of('moto')}")  # fmt: skip
        series = write_ct_series(scratch / "ct", args.slices, seed=3)
        endpoint, moto = start_moto(scratch)
        try:
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
            author = new_contributor()
            for store in ("disk", "s3"):
                with storage(store, endpoint):
                    measure(store, series, author, args.requests)
        finally:
            moto.terminate()
            moto.wait(timeout=30)


def configure(scratch):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="repository.settings",
        DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
        MEDIA_ROOT=str(scratch / "media"), WORK_DIR=str(scratch / "work"),
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(48), LOG_LEVEL="WARNING",
        SECURE_SSL_REDIRECT="false", ALLOWED_HOSTS="testserver",
    )
    for name in ("DATABASE_URL", "MEDIA_ROOT", "WORK_DIR", "SECRET_KEY", "S3_BUCKET"):
        os.environ.pop(f"{name}_FILE", None)  # a NAME_FILE would win over NAME
    os.environ.pop("S3_BUCKET", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def start_moto(scratch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(scratch / "moto.log", "w")  # noqa: SIM115 (closed with the scratch folder)
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            return endpoint, process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    sys.exit("moto's server did not start")


def storage(store, endpoint):
    from django.test import override_settings

    from repository import storage as object_store

    if store == "disk":
        return override_settings()
    options = object_store.options(
        bucket=BUCKET, endpoint_url=endpoint, region="us-east-1", access_key="bench",
        secret_key="bench", url_seconds=60, prefix="",
    )
    from django.conf import settings

    default = {"BACKEND": "repository.storage.ObjectStore", "OPTIONS": options}
    return override_settings(STORAGES={**settings.STORAGES, "default": default}, S3_BUCKET=BUCKET)


def measure(store, series, author, requests):
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.test import Client

    from dicom.archive import walk_folder
    from viewer.models import Image
    from viewer.uploads import Upload

    if store == "s3":
        default_storage.prepare_bucket(create=True)
    case = new_case(author, f"Bench on {store}")
    start = perf_counter()
    upload = Upload(case, accept_pictures=False)
    upload.stage(list(walk_folder(series[0].parent)))
    upload.publish()
    print(f"{store}_ingest_s: {perf_counter() - start:.2f} s")
    images = list(Image.objects.filter(study__case=case).values_list("pk", flat=True))
    client = Client()
    client.force_login(author)
    sent = 0
    start = perf_counter()
    for n in range(requests):
        response = client.get(f"/images/{images[n % len(images)]}/full/")
        assert response.status_code in (200, 302), response.status_code
        body = b"".join(response.streaming_content) if response.streaming else response.content
        sent += len(body)
    per_request = (perf_counter() - start) / requests * 1000
    print(f"{store}_ms_per_request: {per_request:.2f} ms")
    print(f"{store}_bytes_through_app_per_request: {sent // requests} B")
    start = perf_counter()
    call_command("sweep_orphans", verbosity=0)
    print(f"{store}_sweep_s: {perf_counter() - start:.2f} s")
    measure_job_files(store, case, author, series)


def measure_job_files(store, case, author, series):
    """An upload job's files as the request keeps them and the worker fetches them: on disk a
    write to WORK_DIR and nothing to fetch, on the store a PUT each, then a GET each."""
    from django.core.files import File

    from viewer import job_files
    from viewer.models import UploadJob

    job = UploadJob.objects.create(case=case, author=author, total=len(series))
    files = [File(open(path, "rb"), name=path.name) for path in series]  # noqa: SIM115
    start = perf_counter()
    job_files.keep_uploaded(job, files)
    print(f"{store}_job_files_keep_s: {perf_counter() - start:.2f} s")
    for file in files:
        file.close()
    start = perf_counter()
    job_files.fetch(job)
    print(f"{store}_job_files_fetch_s: {perf_counter() - start:.2f} s")
    job_files.drop_local_copy(job.key)
    job_files.remove(job)


if __name__ == "__main__":
    main()
