"""The README's commands run as typed on a development checkout after `make run`: each
`manage.py` command its development sections name runs as written (sample arguments swapped for
files of the test's), with the .env that `make run` writes and no setting in the environment,
against a database and media folder of the test's own."""

import re
import shlex
import subprocess
import sys
from contextlib import contextmanager

import pytest

from tests.dicom_factory import ct_series
from tests.repository.checkout import PROJECT, clean_environment, write_env_as_make_run_does

# Between the quick start and the configuration: what a developer types on a checkout.
DEVELOPMENT = re.compile(r"^## Quick start$(.*?)^## Configuration$", re.S | re.M)
COMMAND = re.compile(r"([^\s`]*python )?manage\.py ([a-z_]+)([^`\n]*)")
NAMED = ["recount_cases", "generate_cases", "import_study", "sweep_orphans", "export_cases",
         "import_cases"]


def readme_commands():
    """(python, command, arguments as written) for each manage.py command, in README order."""
    development = DEVELOPMENT.search((PROJECT / "README.md").read_text()).group(1)
    return [(m.group(1), m.group(2), m.group(3).strip()) for m in COMMAND.finditer(development)]


def test_the_readme_names_these_commands_each_with_the_projects_python():
    commands = readme_commands()
    assert [command for _, command, _ in commands] == NAMED
    assert all(python == ".venv/bin/python " for python, _, _ in commands), commands


def as_typed(arguments, samples):
    """The README's arguments, optional [parts] left out and sample values swapped."""
    required = re.sub(r"\[[^\]]*\]", "", arguments)
    return [samples.get(word, word) for word in shlex.split(required)]


@pytest.fixture
def development_checkout(tmp_path):
    """The environment of a command typed after `make run`: the .env it writes (pointed at by
    ENV_FILE, so this checkout's own is never touched) and no setting but a database and media
    folder of the test's own."""
    env = clean_environment(
        ENV_FILE=str(write_env_as_make_run_does(tmp_path / ".env")),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        WORK_DIR=str(tmp_path / "work"),
        DJANGO_SUPERUSER_PASSWORD="correct horse battery",
    )
    return tmp_path, env


def manage(env, *arguments):
    """`.venv/bin/python manage.py ...` from the project folder, this run's Python standing in for
    the virtualenv's."""
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=PROJECT, env=env,
        capture_output=True, text=True, timeout=300,
    )


@contextmanager
def worker_as_make_run_starts_it(env):
    """The background worker `make run` starts beside the server, which runs upload jobs
    (import_study waits for its own)."""
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--verbosity", "0"],
        cwd=PROJECT, env=env,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def test_each_readme_command_runs_as_written_after_make_run(development_checkout):
    folder, env = development_checkout
    export = folder / "export"
    export.mkdir()
    for n, data in enumerate(ct_series(3)):
        (export / f"IM{n:04d}").write_bytes(data)
    samples = {
        "100000": "3",  # cases to generate
        "/path/to/export": str(export),
        "out.zip": str(folder / "out.zip"),
        "in.zip": str(folder / "out.zip"),
    }
    # What `make run` does first (its demo accounts stand behind --author contributor).
    for setup in (["migrate", "--noinput"],
                  ["createsuperuser", "--noinput", "--username", "contributor",
                   "--email", "contributor@example.org"]):
        result = manage(env, *setup)
        assert result.returncode == 0, result.stderr
    with worker_as_make_run_starts_it(env):
        for _, command, arguments in readme_commands():
            result = manage(env, command, *as_typed(arguments, samples))
            assert result.returncode == 0, f"manage.py {command} {arguments}:\n{result.stderr}"
    assert (folder / "out.zip").stat().st_size > 0


def test_without_the_env_file_the_same_commands_refuse_to_start(development_checkout):
    _, env = development_checkout
    result = manage({**env, "ENV_FILE": "/dev/null"}, "sweep_orphans")
    assert result.returncode != 0
    assert "SECRET_KEY: must be set when DEBUG is off" in result.stderr
