"""A persistent PostgreSQL connection is checked without a round trip (operations/postgresql):
usable when the server has sent nothing on it, and found broken when the server ended it."""

import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections"),
    pytest.mark.django_db(transaction=True),
]
WAIT_STEPS = 500  # a terminated backend's message arrives within a few steps; bounded, not timed


@pytest.fixture
def own():
    """A connection of the test's own, so that ending it leaves the suite's alone."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def round_trips(monkeypatch):
    """The checks that fell back to Django's `SELECT 1`."""
    calls = []
    original = DjangoWrapper.is_usable

    def counted(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(DjangoWrapper, "is_usable", counted)
    return calls


def backend_pid(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def run(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def wait_for_the_server(wrapper):
    """Until the server's last word is waiting on the socket (a few steps at most)."""
    import select

    for _ in range(WAIT_STEPS):
        if select.select([wrapper.connection.fileno()], [], [], 0.01)[0]:
            return
    raise AssertionError("the server sent nothing")


def test_the_engine_is_the_one_that_checks_without_a_round_trip():
    assert connection.settings_dict["ENGINE"] == "operations.postgresql"


def test_an_idle_healthy_connection_is_usable_without_a_query(own, round_trips):
    backend_pid(own)
    assert own.is_usable()
    assert round_trips == []


def test_a_connection_the_server_ended_is_not_usable(own, round_trips):
    pid = backend_pid(own)
    assert run("SELECT pg_terminate_backend(%s)", [pid]) == (True,)
    wait_for_the_server(own)
    assert not own.is_usable()


def test_a_request_after_the_server_ended_the_connection_connects_again(own):
    pid = backend_pid(own)
    run("SELECT pg_terminate_backend(%s)", [pid])
    wait_for_the_server(own)
    own.health_check_enabled, own.health_check_done = True, False  # as at a request's start
    assert backend_pid(own) != pid


def test_a_notification_waiting_on_a_healthy_connection_is_checked_with_a_query(
    own, round_trips
):
    with own.cursor() as cursor:
        cursor.execute("LISTEN connection_health_test")
    run("NOTIFY connection_health_test")
    deadline = WAIT_STEPS
    while deadline and not round_trips:
        deadline -= 1
        assert own.is_usable()
        time.sleep(0.01)
    assert round_trips == [own]
