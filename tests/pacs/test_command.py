"""`manage.py dicom_receiver` as it runs in production: a process of its own, on a free port,
reading the test database."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

from pacs.models import ReceivedStudy
from tests.dicom_factory import ct_series
from tests.local_processes import database_url
from tests.pacs.peers import echoscu, free_port, storescu, write_files
from tests.security.test_withdrawal import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def command(tmp_path):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "WORK_DIR": str(settings.WORK_DIR), "DICOM_AE_TITLE": "TEACHING"}  # fmt: skip
    with open(tmp_path / "receiver.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "dicom_receiver", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        yield port, process
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def until(condition, attempts=600):
    """Waits for another process's work, a bounded number of times."""
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_command_receives_a_series_into_a_draft(command, mapped, tmp_path):
    port, process = command
    assert until(lambda: echoscu(port).returncode == 0), "the receiver never answered"
    assert storescu(port, write_files(tmp_path / "series", ct_series(3))).returncode == 0
    assert until(ReceivedStudy.objects.exists)
    record = ReceivedStudy.objects.get()
    assert record.images_added == 3 and record.case.author == mapped.contributor
    assert process.poll() is None  # still receiving
