"""Two app servers and one worker share nothing but PostgreSQL, Redis and the object store (moto's
S3 server on loopback, tests/object_store.py): pictures uploaded through the admin of one server
are staged and published by the worker, and at once the case's page and images are served by
both, the images by a redirect to the bucket. Each server and the worker has a WORK_DIR and a
MEDIA_ROOT of its own, as on hosts of their own: the upload's files wait in the bucket, and
whether the worker lives is read from PostgreSQL (viewer/job_files.py, viewer/liveness.py), so
both servers follow a running job without failing it."""

import os
import re
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse

from cases import roles
from cases.models import Case
from tests import object_store
from tests.background_worker import until
from tests.dicom_factory import multiframe_ct
from tests.factories import make_case, make_user, png_bytes
from tests.local_processes import database_url
from viewer.models import Image, UploadJob

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="run with the PostgreSQL pass"),
]

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/12"
START_SECONDS = 120  # a bound on waiting for a server, never a measurement
PASSWORD = "a long password for the admin"


class Server:
    """gunicorn on the test database, the shared cache and the bucket (env)."""

    def __init__(self, env, log):
        self.port = object_store.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "repository.wsgi", "--workers", "1",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )

    def wait_until_up(self):
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, Path(self.log.name).read_text()
            try:
                if requests.get(f"{self.url}/healthz", timeout=30).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or still starting
                pass
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not start:\n{Path(self.log.name).read_text()}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class Browser:
    """A session with one server. Its cookies are Secure (production settings), which a client
    keeps to https; they are sent here by hand, over loopback."""

    def __init__(self, server):
        self.server, self.session = server, requests.Session()

    def request(self, method, path, **kwargs):
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        return self.session.request(method, self.server.url + path, allow_redirects=False,
                                    headers={"Cookie": cookies}, timeout=60, **kwargs)  # fmt: skip

    def log_in(self, username):
        login = reverse("admin:login")
        page = self.request("GET", login)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        data = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        assert self.request("POST", login, data=data).status_code == 302

    def submit(self, path, files):
        """The admin form at path posted back as it stands, with files added."""
        form = FormReader()
        form.feed(self.request("GET", path).text)
        return self.request("POST", path, data=[*form.fields, ("_save", "Save")], files=files)


class FormReader(HTMLParser):
    """The fields of a page's admin form as a browser posts them unchanged."""

    def __init__(self):
        super().__init__()
        self.fields, self.in_form, self.textarea, self.select = [], False, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self.in_form = True
        if not self.in_form or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type", "text") not in ("file", "submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value", "on")))
        elif tag == "textarea":
            self.textarea = [a["name"], ""]
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.fields.append(tuple(self.textarea))
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.in_form = False


def host(tmp_path, name):
    """The folders of one host's own: (WORK_DIR, MEDIA_ROOT)."""
    return tmp_path / name / "work", tmp_path / name / "media"


@pytest.fixture
def site(s3_bucket, s3_endpoint, start_worker, monkeypatch, tmp_path, settings):
    """Two servers and a worker on the test database, one Redis cache and the bucket, each
    with folders of its own."""
    env = object_store.environment(s3_endpoint, s3_bucket)
    env.update(CACHE_URL=REDIS_URL, CACHE_KEY_PREFIX=f"test-stateless-{uuid.uuid4().hex}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the worker's environment too
    settings.WORK_DIR, settings.MEDIA_ROOT = host(tmp_path, "worker")
    start_worker()
    settings.WORK_DIR, settings.MEDIA_ROOT = host(tmp_path, "tests")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": database_url(),
           "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}  # fmt: skip
    servers = []
    try:
        for n in range(2):
            work, media = host(tmp_path, f"server{n}")
            own = {**env, "WORK_DIR": str(work), "MEDIA_ROOT": str(media)}
            servers.append(Server(own, open(tmp_path / f"server{n}.log", "w")))  # noqa: SIM115
        for server in servers:
            server.wait_until_up()
        yield servers
    finally:
        for server in servers:
            server.stop()
            server.log.close()


@pytest.fixture
def erin(db):
    """An editor who logs in to either server's admin."""
    editor = make_user("erin", roles.EDITORS, is_staff=True)
    editor.set_password(PASSWORD)
    editor.save()
    return editor


@pytest.mark.usefixtures("erin")
def test_a_case_uploaded_through_one_server_is_served_by_both(site, alice, tmp_path):
    case = make_case(alice, images=0, title="Uploaded on one server")
    study = case.studies.get()
    first, second = site

    uploader = Browser(first)
    uploader.log_in("erin")
    pictures = [("pictures", (f"p{n}.png", png_bytes(shade=60 * n), "image/png")) for n in (1, 2)]
    response = uploader.submit(reverse("admin:cases_study_change", args=[study.pk]), pictures)
    assert response.status_code == 302, response.text[:2000]
    job = until(lambda: UploadJob.objects.filter(study=study).first())
    until(lambda: UploadJob.objects.get(pk=job.pk).finished)
    job.refresh_from_db()
    assert job.state == UploadJob.State.DONE, job.errors
    assert Case.objects.get(pk=case.pk).is_published

    images = list(Image.objects.filter(study=study))
    assert len(images) == 2 and job.case_id == case.pk
    for server in site:
        page = requests.get(f"{server.url}{case.get_absolute_url('academic')}", timeout=60)
        assert page.status_code == 200
        for image in images:
            assert f"/images/{image.pk}/thumbnail/" in page.text
            for kind in ("thumbnail", "display", "full"):
                redirect = requests.get(f"{server.url}/images/{image.pk}/{kind}/",
                                        allow_redirects=False, timeout=60)  # fmt: skip
                assert redirect.status_code == 302
                assert redirect.headers["Location"].startswith(object_store_url(site))
                served = requests.get(redirect.headers["Location"], timeout=60)
                assert served.status_code == 200
                assert served.content == getattr(image, kind).open("rb").read()
    assert files_under(tmp_path, "server0", "server1", "worker") == []


@pytest.mark.usefixtures("erin")
def test_both_servers_follow_a_job_the_worker_runs_without_failing_it(site, alice, tmp_path):
    case = make_case(alice, images=0, title="Followed from two servers")
    study = case.studies.get()
    browsers = [Browser(server) for server in site]
    for browser in browsers:
        browser.log_in("erin")

    frames = [("pictures", ("multiframe.dcm", multiframe_ct(120), "application/dicom"))]
    response = browsers[0].submit(reverse("admin:cases_study_change", args=[study.pk]), frames)
    assert response.status_code == 302, response.text[:2000]
    job = until(lambda: UploadJob.objects.filter(study=study).first())
    until(lambda: UploadJob.objects.get(pk=job.pk).state != UploadJob.State.QUEUED)
    for browser in browsers:
        page = browser.request("GET", job.get_absolute_url())
        assert page.status_code == 200
        progress = browser.request("GET", reverse("admin:viewer_uploadjob_progress", args=[job.pk]))
        assert progress.json()["state"] == "running", progress.json()
    until(lambda: UploadJob.objects.get(pk=job.pk).finished)
    job.refresh_from_db()
    assert job.state == UploadJob.State.DONE and job.added == 120, job.errors
    assert Image.objects.filter(study=study).count() == 120
    for browser in browsers:
        page = browser.request("GET", case.get_absolute_url("academic"))
        assert page.status_code == 200 and "/thumbnail/" in page.text
    assert files_under(tmp_path, "server0", "server1") == []  # nothing kept on a server's host
    assert files_under(tmp_path, "worker") == []  # its copy of the upload went with the job


def files_under(tmp_path, *hosts):
    """The files in the hosts' WORK_DIR/jobs and MEDIA_ROOT."""
    found = []
    for name in hosts:
        work, media = host(tmp_path, name)
        found += [p for top in (work / "jobs", media) for p in top.rglob("*") if p.is_file()]
    return found


def object_store_url(site):
    return f"{os.environ['S3_ENDPOINT_URL']}/{settings.S3_BUCKET}/"
