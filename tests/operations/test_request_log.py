"""Each request logged once by operations.middleware: method, path, status, duration and user id;
never the query string, nor anything of a case. The JSON lines themselves are read from a real
gunicorn in test_nginx_front.py and test_unreachable_database.py."""

import json
import logging
import os
import subprocess
import sys

from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from tests.factories import client_for, make_case
from tests.operations.sites import ROOT

LOGGER = "operations.requests"


def request_lines(caplog):
    return [record for record in caplog.records if record.name == LOGGER]


def test_a_request_is_logged_once_with_its_fields(db, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    Client().get("/healthz")
    [line] = request_lines(caplog)
    assert (line.method, line.path, line.status, line.user_id) == ("GET", "/healthz", 200, None)
    assert line.duration_ms >= 0


def test_a_logged_in_readers_id_is_logged(resident, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    client_for(resident).get("/academic/cases/")
    [line] = request_lines(caplog)
    assert line.user_id == resident.pk


def test_a_missing_page_is_one_line_with_its_status(db, caplog):
    caplog.set_level(logging.INFO)
    Client().get("/no-such-page/")
    assert [(r.name, r.status) for r in request_lines(caplog)] == [(LOGGER, 404)]
    assert not [r for r in caplog.records if r.name == "django.request"]  # no second line


def test_the_query_string_and_the_cases_hidden_fields_are_never_logged(alice, caplog):
    case = make_case(alice, diagnosis="ZQXLOG-diagnosis-501", title="ZQXLOG-title-502")
    caplog.set_level(logging.INFO, logger=LOGGER)
    client = Client()
    client.get("/standard/cases/", {"q": "ZQXLOG-search-503"})
    client.get(case.get_absolute_url("standard"))
    formatter = JsonFormatter("%(levelname)s %(name)s %(message)s")
    logged = "\n".join(formatter.format(record) for record in request_lines(caplog))
    assert len(request_lines(caplog)) == 2
    assert "ZQXLOG" not in logged
    assert json.loads(logged.splitlines()[0])["path"] == "/standard/cases/"



def test_json_logs_are_one_object_a_line_on_stdout_with_a_traceback_inside():
    code = ("import logging, django; django.setup()\n"
            "try:\n    1 / 0\n"
            "except ZeroDivisionError:\n    logging.getLogger('django.request').exception('boom')")
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    [error] = [line for line in lines if line["message"] == "boom"]
    assert error["level"] == "ERROR" and error["logger"] == "django.request"
    assert "ZeroDivisionError" in error["exc_info"] and "Traceback" in error["exc_info"]
    assert "boom" not in done.stderr


def test_text_logs_stay_the_development_default():
    code = "import logging, django; django.setup(); logging.getLogger('x').warning('plain words')"
    env = {name: value for name, value in os.environ.items() if name != "LOG_FORMAT"}
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "plain words"
