"""deploy/'s files stay true to the app: systemd reads its units without complaint, they run
commands that exist, the environment file names documented settings only, and nginx lets
through the largest upload the app accepts."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.management import get_commands

from tests.operations.sites import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_systemd_reads_the_unit_without_a_complaint(unit):
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=120)
    # Only that the code is not installed at /srv/teaching-cases on this machine.
    complaints = [line for line in done.stderr.splitlines()
                  if line.strip() and "/srv/teaching-cases" not in line]
    assert complaints == []


def test_the_units_run_management_commands_that_exist():
    named = set()
    for unit in UNITS:
        named |= set(re.findall(r"manage\.py (\w+)", unit.read_text()))
    assert named == {"db_worker", "dicom_receiver", "sweep_orphans", "backup"}
    assert named <= set(get_commands())


def test_every_timer_starts_a_service_of_its_name():
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        assert timer.with_suffix(".service").exists(), timer.name


def test_the_environment_file_names_documented_settings_only():
    readme = (ROOT / "README.md").read_text()
    names = re.findall(r"^#?([A-Z_]+)=", (DEPLOY / "teaching-cases.env").read_text(), re.M)
    assert "LOG_FORMAT" in names and "SECRET_KEY" in names
    assert [name for name in names if f"`{name}`" not in readme] == []


def test_the_environment_file_asks_for_json_logs_behind_the_https_proxy():
    lines = set((DEPLOY / "teaching-cases.env").read_text().splitlines())
    assert {"DEBUG=false", "LOG_FORMAT=json", "BEHIND_HTTPS_PROXY=true"} <= lines


def test_nginx_lets_through_the_largest_upload_the_app_accepts():
    site = (DEPLOY / "nginx" / "teaching-cases.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert megabytes > settings.MAX_UPLOAD_TOTAL_MB
