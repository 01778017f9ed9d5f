"""The two cache tiers and the lock per key (cases/caching.py): a value read once is kept in the
process's own memory, a value computed once is shared, and readers missing the same key at once
compute it once."""

import os
import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache, caches
from django.test import override_settings

from cases import caching

# As with CACHE_URL: `default` stands for the shared Redis, `local` for a worker's own memory.
TWO_TIERS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "own"},
}


@pytest.fixture
def two_tiers():
    with override_settings(CACHES=TWO_TIERS):
        cache.clear()
        caches["local"].clear()
        yield
        cache.clear()
        caches["local"].clear()


class Computation:
    """compute() for fetch(), counting its calls; slow, to let other readers pile up, or waiting
    at `meet` (a threading.Barrier) for the computations of other readers."""

    def __init__(self, value="page", seconds=0.0, keep=True, meet=None):
        self.value, self.seconds, self.keep, self.calls = value, seconds, keep, 0
        self.meet = meet

    def __call__(self):
        self.calls += 1
        time.sleep(self.seconds)
        if self.meet:
            self.meet.wait()
        return self.value, self.keep


def test_a_value_computed_once_is_shared_and_kept_in_both_tiers(two_tiers):
    compute = Computation()
    assert caching.fetch("k", compute) == ("page", True)
    assert caching.fetch("k", compute) == ("page", True)
    assert compute.calls == 1
    assert cache.get("k") == "page" and caches["local"].get("k") == "page"


def test_a_hit_in_this_process_needs_no_shared_cache(two_tiers):
    caching.fetch("k", Computation())
    cache.clear()  # as if Redis had evicted it: this worker still has its copy
    assert caching.fetch("k", Computation("recomputed")) == ("page", True)


def test_a_value_another_worker_computed_is_copied_into_this_process(two_tiers):
    cache.set("k", "from another worker")
    assert caching.fetch("k", Computation()) == ("from another worker", True)
    assert caches["local"].get("k") == "from another worker"


def test_a_value_that_may_not_be_kept_is_computed_again(two_tiers):
    compute = Computation("form errors", keep=False)
    assert caching.fetch("k", compute) == ("form errors", False)
    assert caching.fetch("k", compute) == ("form errors", False)
    assert compute.calls == 2
    assert cache.get("k") is None and caches["local"].get("k") is None


def test_readers_missing_one_key_at_once_compute_it_once(two_tiers):
    compute = Computation(seconds=0.3)
    got = []
    readers = [
        threading.Thread(target=lambda: got.append(caching.fetch("k", compute)[0]))
        for _ in range(4)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert got == ["page"] * 4
    assert compute.calls == 1


def test_readers_missing_different_keys_do_not_wait_for_each_other(two_tiers, monkeypatch):
    # No reader polls for another's lock, and the three computations run at once (each waits
    # for the other two): counts, not times, which a busy machine moves. The barrier's timeout
    # only ends a run that went wrong.
    polls = []
    monkeypatch.setattr(caching, "time", SimpleNamespace(sleep=polls.append))
    together = threading.Barrier(3, timeout=30)
    computations = [Computation(meet=together) for _ in range(3)]
    readers = [
        threading.Thread(target=caching.fetch, args=(f"k{n}", compute))
        for n, compute in enumerate(computations)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert not together.broken
    assert polls == []
    assert [c.calls for c in computations] == [1, 1, 1]
    assert [cache.get(f"k{n}") for n in range(3)] == ["page"] * 3


def test_a_lock_left_by_a_reader_that_died_expires(two_tiers, monkeypatch):
    # Each poll sleeps at least WAIT_POLL_SECONDS however busy the machine, so a lock taken for
    # one second is gone within this many polls (a few more for the cache's clock): a count of
    # polls, not a time, which a busy machine moves.
    most = 1 / caching.WAIT_POLL_SECONDS + 5
    polls, sleep = [], time.sleep

    def poll(seconds):
        polls.append(seconds)
        assert len(polls) <= most, "still waiting for a lock that has expired"
        sleep(seconds)

    monkeypatch.setattr(caching, "time", SimpleNamespace(sleep=poll))  # fetch's clock only
    cache.add("k:lock", 1, 1)  # taken by a worker that was killed before it stored the page
    assert caching.fetch("k", Computation()) == ("page", True)
    assert polls, "it did not wait for the lock"


def test_a_failed_computation_releases_its_lock(two_tiers):
    def fail():
        raise LookupError("no such case")

    with pytest.raises(LookupError):
        caching.fetch("k", fail)
    assert cache.get("k:lock") is None
    assert caching.fetch("k", Computation()) == ("page", True)


def test_without_a_shared_cache_the_local_tier_is_a_no_op(db):
    # The default settings (no CACHE_URL): the shared cache already is this process's memory.
    caching.fetch("k", Computation())
    assert caches["local"].get("k") is None
    assert cache.get("k") == "page"


@pytest.fixture
def redis_cache():
    """The shared tier's backend against the Redis on this machine, under a prefix of its own."""
    from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

    backend = caching.RedisCache(
        "redis://127.0.0.1:6379/15", {"KEY_PREFIX": f"test-caching-{time.time_ns()}"}
    )
    try:
        backend.get("ping")
    except Exception:  # redis-py's ConnectionError, without importing redis where it may lack
        if os.environ.get("TESTS_NEED_REDIS"):  # set by .ci/run, which starts Redis
            pytest.fail("no Redis on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    assert isinstance(backend, DjangoRedisCache)
    yield backend
    backend.delete_many(["k", "n"])


def test_the_redis_backend_reuses_one_client_for_every_command(redis_cache):
    assert redis_cache.add("k", {"cases": 3}, 10)
    assert not redis_cache.add("k", {"cases": 4}, 10)
    assert redis_cache.get("k") == {"cases": 3}
    redis_cache.set("n", 1)
    assert redis_cache.incr("n") == 2
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
