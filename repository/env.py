"""Read settings from the environment, failing at start with the variable's name on a bad value.

A development checkout also has a .env file, written by `make run` (`python -m repository.env
.env`), which load_env_file() reads into the environment for the variables the environment does
not set. Run as a script, this module imports nothing but the standard library and Django.
"""

import math
import os
import secrets
import sys

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _raw(name, default):
    # NAME_FILE lets a secret come from a mounted file (Docker/Kubernetes secrets).
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path!r} ({e.strerror})") from e
    return os.environ.get(name, default)


def env_str(name, default=""):
    return _raw(name, default)


def env_bool(name, default):
    value = _raw(name, None)
    if value is None:
        return default
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: expected true/false, got {value!r}")


def env_int(name, default, minimum=None):
    number = _number(name, int, "a whole number")
    if number is None:
        return default
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {number}")
    return number


def env_float(name, default, above=None):
    number = _number(name, float, "a number")
    if number is None:
        return default
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name}: must be a finite number, got {number}")
    if above is not None and number <= above:
        raise ImproperlyConfigured(f"{name}: must be above {above}, got {number}")
    return number


def _number(name, parse, kind):
    """The variable parsed, or None when it is unset or empty."""
    value = _raw(name, None)
    if value is None or value == "":
        return None
    try:
        return parse(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected {kind}, got {value!r}") from None


def env_list(name, default=()):
    value = _raw(name, None)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# --- the development checkout's .env -----------------------------------------------------------

DEVELOPMENT_ENV = """\
# Settings of this development checkout, written by `make run` (repository/env.py); git-ignored.
# Every manage.py command reads them; a variable set in the environment wins over its line here.
# Never copy this file to a production server.
DEBUG=true
SECRET_KEY={secret_key}
# The demo's accounts: attendings and staff (editors, contributors) read the standard workflow,
# the resident only the academic one, as a department would set it (README: Roles).
STANDARD_WORKFLOW_GROUPS=Attendings
"""


def load_env_file(default_path):
    """Put the NAME=value lines of the .env file into os.environ, for names not already there.
    The file is ENV_FILE when that is set (it must then exist), else default_path if it exists."""
    path = os.environ.get("ENV_FILE") or default_path
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        if os.environ.get("ENV_FILE"):
            raise ImproperlyConfigured(f"ENV_FILE: there is no file {path!r}") from None
        return
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip().isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value")
        os.environ.setdefault(name.strip(), value.strip().strip("\"'"))


def write_development_env(path):
    """A .env for a development checkout: DEBUG on, a secret key of its own, and the standard
    workflow kept from the demo's resident."""
    with open(path, "x", encoding="utf-8") as f:  # never overwrites a key already in use
        f.write(DEVELOPMENT_ENV.format(secret_key=secrets.token_urlsafe(50)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m repository.env PATH  (writes a development .env at PATH)")
    write_development_env(sys.argv[1])
