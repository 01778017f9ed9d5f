"""Fixtures shared by the tests: the personas and a CT case. Builders live in tests/factories.py
and page readers in tests/pages.py; nothing is imported from here.

The personas follow the roles a department assigns (cases/roles.py): Alice and Bob contribute
cases, Erin edits and publishes, Adam is an attending and Rita a resident; the `client` fixture is
the anonymous visitor.
"""

import os
import time

import pytest
import redis
from django.core.cache import cache

from cases import caching, roles, slots
from tests import object_store
from tests.background_worker import DATABASE_BACKEND, Worker
from tests.dicom_factory import ct_series
from tests.factories import add_dicom, make_case, make_user, seed_vocabularies


@pytest.fixture(autouse=True)
def fresh_cache():
    """The homepage statistics live in the cache, which outlives each test's transaction; so do
    the pages this process cut at their slots and the content version it read last, which would
    otherwise set a test's first page on another path than its next (cases/views.py)."""
    cache.clear()
    forget_pages()
    yield
    cache.clear()
    forget_pages()


def forget_pages():
    slots._CUTS.clear()
    caching.note_version(None)


@pytest.fixture
def alice(db):
    """A contributor: staff, writes her own cases."""
    return make_user("alice", roles.CONTRIBUTORS, is_staff=True)


@pytest.fixture
def bob(db):
    """Another contributor, whose cases Alice must not touch."""
    return make_user("bob", roles.CONTRIBUTORS, is_staff=True)


@pytest.fixture
def editor(db):
    """An editor: changes any case and publishes."""
    return make_user("erin", roles.EDITORS, is_staff=True)


@pytest.fixture
def attending(db):
    return make_user("adam", roles.ATTENDINGS)


@pytest.fixture
def resident(db):
    return make_user("rita", roles.RESIDENTS)


@pytest.fixture
def ct_case(alice):
    """A published case: a study with two pictures, then a 5-slice CT series (uploaded in reverse
    order) described "Axial soft tissue"."""
    case = make_case(alice, images=2, modality="CT", captions=["Pictured first", "Pictured second"])
    series = add_dicom(case.studies.get(), ct_series(5))
    series.description = "Axial soft tissue"
    series.save()
    return case


@pytest.fixture(scope="module")
def seeded_again_afterwards(django_db_setup, django_db_blocker):
    """What the migrations seeded, back for the tests after a module of transactional tests (each
    ends with a flush)."""
    yield
    with django_db_blocker.unblock():
        seed_vocabularies()


@pytest.fixture
def start_worker(seeded_again_afterwards, settings, tmp_path):
    """Jobs queued in the database, for real `db_worker`s (tests/background_worker.py) started
    by the test on its folders."""
    seed_vocabularies()  # an earlier transactional test's flush may have emptied them
    settings.TASKS = {"default": {"BACKEND": DATABASE_BACKEND}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WORK_DIR = tmp_path / "work"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "work" / "uploads")
    workers = []

    def start():
        log = open(tmp_path / f"worker-{len(workers)}.log", "w")  # noqa: SIM115 (closed below)
        workers.append(Worker(log))
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()
        worker.log.close()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """The endpoint of a real S3 API on loopback: .ci/run's moto server, else one of our own."""
    endpoint = object_store.endpoint_from_environment()
    if endpoint:
        yield endpoint
        return
    with open(tmp_path_factory.mktemp("moto") / "moto.log", "w") as log:
        server = object_store.MotoServer(log)
        try:
            yield server.endpoint_url
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(settings, s3_endpoint):
    """Media on the object store for this test: a fresh bucket (tests/object_store.py)."""
    return object_store.use_bucket(settings, s3_endpoint)


@pytest.fixture
def shared_users(settings):
    """The shared cache as with CACHE_URL: the Redis on this machine, under a prefix of the
    test's own, with the sessions and users read through it (accounts/cached_users.py)."""
    prefix = f"test-cached-users-{time.time_ns()}"
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "cases.caching.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15",
                    "KEY_PREFIX": prefix},  # fmt: skip
    }
    settings.CACHE_USERS = True
    settings.SESSION_ENGINE = "accounts.sessions"
    try:
        cache.get("probe")
    except Exception:  # redis-py's ConnectionError
        if os.environ.get("TESTS_NEED_REDIS"):  # set by .ci/run, which starts Redis
            pytest.fail("no Redis on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield
    client = cache._cache.get_client(write=True)  # this test's keys alone, not all of database 15
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def cache_commands(monkeypatch):
    """The commands sent to Redis, by name."""
    sent = []
    original = redis.Redis.execute_command

    def counted(client, *args, **kwargs):
        sent.append(args[0])
        return original(client, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    return sent
