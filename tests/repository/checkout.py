"""A development checkout as a user has it after `make run`, built without touching this one:
the .env is written by the Makefile's own rule into a folder of the test's."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent.parent

# Everything settings read from the environment: a command run "as typed" inherits none of them.
SETTING_VARIABLES = (
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REQUIRE_LOGIN", "CASES_PER_PAGE",
    "STANDARD_WORKFLOW_GROUPS", "SECURE_SSL_REDIRECT", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY_FILE", "MAX_IMAGE_PIXELS", "MAX_UPLOAD_MB", "MAX_FILES_PER_UPLOAD",
    "SECURE_HSTS_SECONDS", "BEHIND_HTTPS_PROXY", "CACHE_URL", "CACHE_KEY_PREFIX", "ENV_FILE",
)


def clean_environment(**env):
    """This run's environment without any setting, plus the variables given."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTING_VARIABLES}
    clean.update(env)
    return clean


def write_env_as_make_run_does(path):
    """`make run`'s rule for .env, run with this Python and ENV_FILE pointing at `path`."""
    subprocess.run(
        ["make", "-s", "-C", str(PROJECT), f"PY={sys.executable}", f"ENV_FILE={path}", str(path)],
        check=True, capture_output=True, text=True, timeout=60,
    )
    return path


def env_lines(path):
    return dict(
        line.split("=", 1) for line in Path(path).read_text().splitlines()
        if line and not line.startswith("#")
    )
