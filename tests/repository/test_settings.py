"""Deployment settings: who may use the standard workflow, login for every page, failing loudly
on bad values, and a clean `check --deploy` in production."""

import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import client_for, make_case
from tests.pages import assert_friendly_error_page
from tests.repository.checkout import (
    PROJECT,
    clean_environment,
    env_lines,
    write_env_as_make_run_does,
)


def run_python(*args, **env):
    """Python in a clean environment: only the variables given, none inherited from this run, and
    no .env file unless ENV_FILE is given."""
    clean = clean_environment(**{"ENV_FILE": os.devnull, **env})
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT, env=clean, capture_output=True, text=True,
        timeout=120,
    )


# --- STANDARD_WORKFLOW_GROUPS -----------------------------------------------------------------


@pytest.fixture
def case(alice):
    return make_case(alice)


def standard_pages(case):
    return [
        reverse("cases:browse", args=["standard"]),
        case.get_absolute_url("standard"),
        reverse("cases:random", args=["standard"]),
    ]


def test_by_default_anyone_may_use_the_standard_workflow(case):
    for url in standard_pages(case):
        assert Client().get(url).status_code in (200, 302)


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
@pytest.mark.parametrize("persona", [None, "resident"])
def test_a_limited_standard_workflow_is_forbidden_to_others(case, persona, request):
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)
    for url in standard_pages(case):
        response = client.get(url)
        assert_friendly_error_page(response, 403)
        assert case.title not in response.content.decode()
    assert "workflow" not in client.cookies


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
@pytest.mark.parametrize("persona", ["attending", "alice", "editor"])
def test_a_limited_standard_workflow_is_open_to_its_groups_and_staff(case, persona, request):
    client = client_for(request.getfixturevalue(persona))
    for url in standard_pages(case):
        assert client.get(url).status_code in (200, 302)


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
@pytest.mark.parametrize("persona", [None, "resident"])
def test_a_limited_standard_workflow_leaves_the_academic_one_open(case, persona, request):
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)
    assert client.get(reverse("cases:browse", args=["academic"])).status_code == 200
    assert client.get(case.get_absolute_url("academic")).status_code == 200
    assert client.get(reverse("cases:random", args=["academic"])).status_code == 302
    assert client.get(reverse("cases:home")).status_code == 200


# --- REQUIRE_LOGIN ----------------------------------------------------------------------------

LOGIN_REQUIRED = "django.contrib.auth.middleware.LoginRequiredMiddleware"


def middleware_with(**env):
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.MIDDLEWARE)"
    )
    result = run_python("-c", code, DJANGO_SETTINGS_MODULE="tests.settings", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_require_login_adds_the_login_middleware():
    assert LOGIN_REQUIRED in middleware_with(REQUIRE_LOGIN="true")
    assert LOGIN_REQUIRED not in middleware_with(REQUIRE_LOGIN="false")
    assert LOGIN_REQUIRED not in middleware_with()


@override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, LOGIN_REQUIRED])
def test_with_login_required_an_anonymous_visitor_is_sent_to_log_in(case):
    for url in [reverse("cases:home"), reverse("cases:browse", args=["academic"])]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    image = case.studies.get().images.get()
    assert Client().get(image.file_url("thumbnail")).status_code == 302
    assert Client().get(reverse("login")).status_code == 200


@override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, LOGIN_REQUIRED])
def test_with_login_required_a_resident_reads_after_logging_in(case, resident):
    client = Client()
    response = client.post(
        reverse("login"), {"username": "rita", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("cases:browse", args=["academic"])).status_code == 200


# --- bad values fail at start -----------------------------------------------------------------

GOOD = {"DEBUG": "true"}
POSTGRES = {**GOOD, "DATABASE_URL": "postgres://u@localhost/db"}


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "false"}, "SECRET_KEY"),  # no key outside development
        ({"DEBUG": "false", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({**GOOD, "CASES_PER_PAGE": "abc"}, "CASES_PER_PAGE"),
        ({**GOOD, "CASES_PER_PAGE": "0"}, "CASES_PER_PAGE"),
        ({**GOOD, "MAX_UPLOAD_MB": "-1"}, "MAX_UPLOAD_MB"),
        ({**GOOD, "REQUIRE_LOGIN": "sometimes"}, "REQUIRE_LOGIN"),
        ({**GOOD, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({**GOOD, "DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({**GOOD, "SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE"),
        ({**GOOD, "CACHE_URL": "memcached://127.0.0.1:11211"}, "CACHE_URL"),
        ({**GOOD, "DICOM_AE_TITLE": "A_TITLE_OF_17_CHR"}, "DICOM_AE_TITLE"),
        ({**GOOD, "DICOM_AE_TITLE": "BACK\\SLASH"}, "DICOM_AE_TITLE"),
        ({**GOOD, "DICOM_PORT": "0"}, "DICOM_PORT"),
        ({**GOOD, "DICOM_MAX_PDU": "100"}, "DICOM_MAX_PDU"),
        ({**GOOD, "STOW_MAX_MB": "many"}, "STOW_MAX_MB"),
        ({**GOOD, "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({**POSTGRES, "DATABASE_RANDOM_PAGE_COST": "fast"}, "DATABASE_RANDOM_PAGE_COST"),
        ({**POSTGRES, "DATABASE_RANDOM_PAGE_COST": "0"}, "DATABASE_RANDOM_PAGE_COST"),
        ({**POSTGRES, "DATABASE_RANDOM_PAGE_COST": "nan"}, "DATABASE_RANDOM_PAGE_COST"),
        ({**POSTGRES, "DATABASE_RANDOM_PAGE_COST": "inf"}, "DATABASE_RANDOM_PAGE_COST"),
        ({**POSTGRES, "DATABASE_PREPARED_STATEMENTS": "sometimes"}, "DATABASE_PREPARED_STATEMENTS"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(env, variable):
    result = run_python("-c", "import repository.settings", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable}:" in result.stderr


def test_good_values_start(tmp_path):
    secret = tmp_path / "secret"
    key = get_random_secret_key()
    secret.write_text(key + "\n")  # a mounted secret, with the newline editors add
    code = (
        "import repository.settings as s; "
        "print(s.SECRET_KEY, s.CASES_PER_PAGE, s.STANDARD_WORKFLOW_GROUPS, "
        "s.DATABASES['default']['ENGINE'])"
    )
    result = run_python(
        "-c", code,
        DEBUG="false", SECRET_KEY_FILE=str(secret), CASES_PER_PAGE="12",
        STANDARD_WORKFLOW_GROUPS="Attendings, Fellows",
        DATABASE_URL="postgres://u@localhost/db",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 2)[:2] == [key, "12"]
    assert "['Attendings', 'Fellows'] operations.postgresql" in result.stdout


def connection_options_with(url, **env):
    code = "import repository.settings as s; print(s.DATABASES['default']['OPTIONS']['options'])"
    result = run_python("-c", code, DEBUG="true", DATABASE_URL=url, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_planner_takes_reading_out_of_order_to_cost_what_it_does_on_an_ssd():
    url = "postgres://u@localhost/db"
    assert connection_options_with(url) == "-c random_page_cost=1.1"
    assert connection_options_with(url, DATABASE_RANDOM_PAGE_COST="4") == "-c random_page_cost=4"
    # Options in the URL come after, so that they win.
    assert connection_options_with(f"{url}?options=-c%20random_page_cost%3D2") == (
        "-c random_page_cost=1.1 -c random_page_cost=2"
    )


def prepare_threshold_with(**env):
    code = (
        "import repository.settings as s; "
        "print(s.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    )
    result = run_python("-c", code, DEBUG="true", DATABASE_URL="postgres://u@localhost/db", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_statements_are_prepared_unless_told_not_to_for_a_pooler_that_cannot_keep_them():
    assert prepare_threshold_with() == "5"
    assert prepare_threshold_with(DATABASE_PREPARED_STATEMENTS="false") == "None"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_connections_planner_uses_that_cost(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def cache_with(**env):
    code = (
        "import repository.settings as s; c = s.CACHES['default']; "
        "print(c['BACKEND'], c['KEY_PREFIX'])"
    )
    result = run_python("-c", code, DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_cache_is_in_memory_unless_a_redis_url_is_given():
    assert cache_with() == ["django.core.cache.backends.locmem.LocMemCache", "repository"]
    assert cache_with(CACHE_URL="redis://127.0.0.1:6379/1", CACHE_KEY_PREFIX="cases") == [
        "cases.caching.RedisCache", "cases",
    ]


def session_engine_with(**env):
    code = "import repository.settings as s; print(s.SESSION_ENGINE)"
    result = run_python("-c", code, DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sessions_are_read_through_the_cache_only_when_it_is_shared():
    assert session_engine_with() == "django.contrib.sessions.backends.db"
    assert session_engine_with(CACHE_URL="redis://127.0.0.1:6379/1") == "accounts.sessions"


def test_the_deploy_check_passes_in_production():
    result = run_python(
        "manage.py", "check", "--deploy",
        DEBUG="false", SECRET_KEY=get_random_secret_key(), ALLOWED_HOSTS="example.org",
        DJANGO_SETTINGS_MODULE="repository.settings",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output, output


# --- a development checkout's .env ------------------------------------------------------------


def test_make_run_writes_a_development_env_once(tmp_path):
    env_file = write_env_as_make_run_does(tmp_path / ".env")
    first = env_lines(env_file)
    assert first["DEBUG"] == "true"
    assert len(first["SECRET_KEY"]) >= 50
    write_env_as_make_run_does(env_file)
    assert env_lines(env_file) == first  # the key of a checkout in use is kept
    assert env_lines(write_env_as_make_run_does(tmp_path / "other.env")) != first


def test_the_env_file_is_git_ignored():
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", ".env"], cwd=PROJECT, capture_output=True, text=True
    )
    assert result.stdout.strip() == ".env"


def settings_in(checkout, *names, **env):
    """The settings a copy of the project's settings in `checkout` computes, in a clean
    environment with no ENV_FILE: it reads checkout/.env if there is one, as a checkout does."""
    code = "import repository.settings as s; print(" + ", ".join(f"s.{n}" for n in names) + ")"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=checkout, env=clean_environment(**env),
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def checkout(tmp_path):
    """The settings package alone in a folder of its own, as a fresh clone holds it."""
    shutil.copytree(PROJECT / "repository", tmp_path / "repository",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_a_production_start_without_a_key_or_an_env_file_refuses(checkout):
    result = settings_in(checkout, "DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY: must be set when DEBUG is off" in result.stderr


def test_after_make_run_the_checkout_starts_in_development_with_its_own_key(checkout):
    key = env_lines(write_env_as_make_run_does(checkout / ".env"))["SECRET_KEY"]
    result = settings_in(checkout, "DEBUG", "SECRET_KEY")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", key]


def test_after_make_run_the_standard_workflow_is_for_attendings_and_staff(checkout):
    write_env_as_make_run_does(checkout / ".env")
    result = settings_in(checkout, "STANDARD_WORKFLOW_GROUPS")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['Attendings']"


def test_the_environment_wins_over_the_env_file(checkout):
    write_env_as_make_run_does(checkout / ".env")
    key = get_random_secret_key()
    result = settings_in(checkout, "DEBUG", "SECRET_KEY", DEBUG="false", SECRET_KEY=key)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", key]


def test_env_file_names_another_file(checkout, tmp_path):
    elsewhere = tmp_path / "elsewhere.env"
    elsewhere.write_text("DEBUG=true\nCASES_PER_PAGE='12'\n")
    result = settings_in(checkout, "DEBUG", "CASES_PER_PAGE", ENV_FILE=str(elsewhere))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "12"]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "ENV_FILE: there is no file"),
        ("DEBUG=true\nnot a setting\n", "line 2: expected NAME=value"),
    ],
)
def test_a_bad_env_file_stops_the_start(checkout, content, message):
    env_file = checkout / "named.env"
    if content is not None:
        env_file.write_text(content)
    result = settings_in(checkout, "DEBUG", ENV_FILE=str(env_file))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
