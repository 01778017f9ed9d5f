"""A case withdrawn (returned to draft, or deleted), or changed in what it hides, changes at once
on every worker, with the default cache (each process's own memory): two servers are started on
the test database, each caches the case's page, the test changes the case, and both answer the
change on their next request (cases/caching.py: the content version is in the database; the
case page asks whether its case is still published before it serves a cached body)."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from cases.models import Case
from tests.factories import make_case, seed_vocabularies
from tests.local_processes import database_url, free_port

# The servers read what the test commits, so each test commits, and ends with a flush.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
DIAGNOSIS = "ZQXWITHDRAWN-diagnosis-301"
START_SECONDS = 60


class Server:
    """`manage.py runserver` in a process of its own, with the default cache settings."""

    def __init__(self, log):
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        for name in ("CACHE_URL", "STANDARD_WORKFLOW_GROUPS", "REQUIRE_LOGIN"):
            env.pop(name, None)
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )

    def get(self, path):
        """(status, body) of a GET, as an anonymous reader (no cookie)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def wait_until_up(self):
        deadline = time.monotonic() + START_SECONDS  # a bound on waiting, not a measurement
        while time.monotonic() < deadline:
            assert self.process.poll() is None, Path(self.log.name).read_text()
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:  # not listening yet
                pass
            time.sleep(0.2)
        pytest.fail(f"the server did not start:\n{Path(self.log.name).read_text()}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module", autouse=True)
def seeded_again_afterwards(django_db_setup, django_db_blocker):
    """Each test here ends with a flush, which empties what the migrations seeded: the groups
    come back by themselves (post_migrate, cases/roles.py), the vocabularies are put back here
    for the tests that run after these (as tests/browser/conftest.py does)."""
    yield
    with django_db_blocker.unblock():
        seed_vocabularies()


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """Two servers on the test database, started once for these tests."""
    logs, started = tmp_path_factory.mktemp("servers"), []
    try:
        for n in range(2):
            started.append(Server(open(logs / f"server{n}.log", "w")))
        for server in started:
            server.wait_until_up()
        yield started
    finally:
        for server in started:
            server.stop()
            server.log.close()


@pytest.fixture
def case(alice):
    seed_vocabularies()  # an earlier transactional test's flush may have emptied them
    return make_case(alice, images=0, diagnosis=DIAGNOSIS)


def cached_on_both(servers, case):
    """Read the standard page twice from each server, so that each holds it in its cache."""
    url = case.get_absolute_url("standard")
    for server in servers:
        for _ in range(2):
            status, body = server.get(url)
            assert status == 200 and DIAGNOSIS in body
    return url


def test_a_case_returned_to_draft_is_gone_from_every_worker_at_once(servers, case):
    url = cached_on_both(servers, case)
    case.status = Case.Status.DRAFT
    case.save()
    assert [server.get(url)[0] for server in servers] == [404, 404]


def test_a_deleted_case_is_gone_from_every_worker_at_once(servers, case):
    url = cached_on_both(servers, case)
    case.delete()
    assert [server.get(url)[0] for server in servers] == [404, 404]


def test_a_case_withdrawn_without_a_save_signal_is_gone_at_once(servers, case):
    url = cached_on_both(servers, case)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)
    assert [server.get(url)[0] for server in servers] == [404, 404]


def test_a_changed_diagnosis_shows_on_every_worker_at_once(servers, case):
    url = cached_on_both(servers, case)
    case.diagnosis = "ZQXWITHDRAWN-corrected-302"
    case.save()
    for server in servers:
        status, body = server.get(url)
        assert status == 200
        assert "ZQXWITHDRAWN-corrected-302" in body and DIAGNOSIS not in body
