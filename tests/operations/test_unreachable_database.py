"""The database unreachable, on a real gunicorn with deploy/gunicorn.conf.py: liveness still
answers, readiness answers 503 naming the database, and a page's error is logged as one JSON
object with its traceback."""

import json

import pytest

from tests.local_processes import free_port
from tests.operations.sites import app_environment, get, serving


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unreachable")
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"  # a port nobody listens on
    env = app_environment(folder / "media", DATABASE_URL=nowhere, DATABASE_CONNECT_TIMEOUT="2")
    with serving(env, folder) as server:
        yield server


def test_liveness_answers_without_the_database(server):
    status, _, body = get(f"{server.base}/healthz")
    assert (status, body) == (200, b"ok")


def test_readiness_names_the_database_and_nothing_of_why(server):
    status, headers, body = get(f"{server.base}/healthz/ready")
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {
        "status": "not ready", "checks": {"database": "failed", "cache": "ok", "storage": "ok"}
    }
    assert b"127.0.0.1" not in body and b"postgres" not in body


def test_a_pages_error_is_one_json_line_with_its_traceback(server):
    assert get(f"{server.base}/academic/cases/")[0] == 503
    error = server.logged(logger="django.request", level="ERROR",
                          message="Service Unavailable: /academic/cases/")
    assert "Traceback" in error["exc_info"] and "OperationalError" in error["exc_info"]
    request = server.logged(logger="operations.requests", path="/academic/cases/")
    assert (request["method"], request["status"], request["user_id"]) == ("GET", 503, None)
    assert isinstance(request["duration_ms"], float)


def test_the_readiness_failure_is_logged_with_its_reason(server):
    get(f"{server.base}/healthz/ready")
    failure = server.logged(logger="operations.readiness", level="ERROR")
    assert "database" in failure["message"] and "exc_info" in failure
