"""PostgreSQL restarted while the app serves: requests made while it is down get a 503 with
Retry-After (not a 500, not a hang), and the first request once it is back is served, by the
same gunicorn worker, without restarting anything (persistent connections are health-checked).

The database is a private cluster (tests/private_postgres.py), so stopping it leaves the
server the rest of the suite uses alone; the app runs under gunicorn with production settings."""

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests import private_postgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.skipif(bool(private_postgres.available()),
                       reason=private_postgres.available() or "runs"),
    # It uses a server of its own whatever the suite's database: the PostgreSQL pass runs it.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="run with the PostgreSQL pass"),
]
SAFETY_NET = 60  # seconds: a request that hangs this long fails the test instead of hanging it


@pytest.fixture(scope="module")
def cluster():
    with private_postgres.PrivateCluster() as cluster:
        cluster.create_database("app")
        yield cluster


@pytest.fixture(scope="module")
def app_env(cluster, tmp_path_factory):
    env = private_postgres.app_environment(cluster.url("app"), tmp_path_factory.mktemp("media"))
    private_postgres.manage(env, "migrate", "--noinput", "-v", "0")
    return env


@pytest.fixture(scope="module")
def session_cookie(app_env):
    """A resident's session: every request with it reads the database (session, user)."""
    return f"sessionid={private_postgres.resident_session(app_env)}"


@pytest.fixture(scope="module")
def server(app_env):
    """One gunicorn worker, so the request after the restart is the one whose connection broke."""
    port = private_postgres.free_port()
    command = [sys.executable, "-m", "gunicorn", "repository.wsgi", "--workers", "1",
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=app_env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=SAFETY_NET).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail("gunicorn exited at start")
            subprocess.run(["sleep", "0.1"])
    yield base
    process.terminate()
    process.wait()


def get(url, cookie):
    """(status, headers) of a GET; error statuses too."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=SAFETY_NET) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_a_restart_gives_503_while_down_and_no_error_once_back(cluster, server, session_cookie):
    page = f"{server}/progress/export.csv"  # reads the session, the user and their attempts
    assert get(page, session_cookie)[0] == 200

    cluster.stop()
    try:
        status, headers = get(page, session_cookie)
        assert status == 503
        assert headers["Retry-After"] == "10"
        assert get(f"{server}/healthz", session_cookie)[0] == 200  # the app itself still answers
    finally:
        cluster.start()

    assert get(page, session_cookie)[0] == 200  # the first request after the restart
    assert get(page, session_cookie)[0] == 200
