"""A PostgreSQL server of a test's (or a benchmark's) own, which it may stop and start while the
app serves, leaving the server the rest of the suite uses alone: a cluster in a temporary folder,
on a free port, run as the `postgres` system user (initdb refuses root), from Debian's binaries.
And the app's processes on it: their environment, manage.py, a resident's session."""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

from tests.local_processes import free_port

PACKAGES = Path("/usr/lib/postgresql")
ROOT = Path(__file__).resolve().parents[1]


def binaries():
    """The newest installed server's bin folder, or None."""
    versions = sorted(PACKAGES.iterdir(), key=lambda p: int(p.name)) if PACKAGES.is_dir() else []
    return versions[-1] / "bin" if versions else None


def available():
    """Why a private cluster can't run here, or "" when it can."""
    if binaries() is None:
        return "PostgreSQL's server binaries are not installed"
    if os.geteuid() != 0:
        return "running a cluster as the postgres user needs root"
    return ""


class PrivateCluster:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="private-postgres-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", free_port()
        self._as_postgres("initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                          "--no-sync", "--no-instructions")

    def _as_postgres(self, program, *args):
        command = ["runuser", "-u", "postgres", "--", binaries() / program, *args]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres("pg_ctl", "-D", self.data, "-o", options, "-l",
                          self.folder / "log", "-w", "start")

    def stop(self):
        """Stop it as an administrator would for a restart: sessions are cut at once."""
        self._as_postgres("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def url(self, name="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name):
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the app on it, in processes of its own ----------------------------------------------------


def app_environment(url, media_root, **settings):
    """Production settings (DEBUG off, a fresh secret key, plain http on 127.0.0.1) on the
    database at url, nothing inherited of the caller's database, cache or settings module."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DJANGO_", "DATABASE_", "CACHE_"))}
    env.update(
        ENV_FILE="/dev/null", DATABASE_URL=url, DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48), ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false", MEDIA_ROOT=str(media_root),
        DJANGO_SETTINGS_MODULE="repository.settings",
    )
    env.update(settings)
    return env


def manage(env, *args):
    """manage.py's standard output, run in the project with env."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


RESIDENT_SESSION = (
    "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, "
    "HASH_SESSION_KEY; from django.contrib.sessions.backends.db import SessionStore; "
    "u = get_user_model().objects.create_user('rita', password='correct horse battery'); "
    "s = SessionStore(); s[SESSION_KEY] = str(u.pk); "
    "s[BACKEND_SESSION_KEY] = 'accounts.backends.UserBackend'; "
    "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create(); print(s.session_key)"
)


def resident_session(env):
    """The session key of a new resident, Rita: every request with it reads the database."""
    return manage(env, "shell", "--no-imports", "-c", RESIDENT_SESSION)
