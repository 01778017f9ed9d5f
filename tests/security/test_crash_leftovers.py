"""After a crash, `sweep_orphans` deletes at once what the dead process wrote (stored files and
Django's temporary upload file) and spares what a live upload is writing, however young: what is
in flight decides, not age (viewer/inflight.py).

The uploads run in processes of their own, which hang mid-way; one is killed with SIGKILL."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.dicom_factory import ct_series
from viewer import inflight

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folders(db, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WORK_DIR = tmp_path / "work"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "work" / "uploads")
    # The moment between a temporary file's creation and its lock: none here, each file is
    # locked, or its process is gone, before the sweep runs.
    monkeypatch.setattr(inflight, "UNLOCKED_GRACE_SECONDS", 0)
    study = tmp_path / "study"
    study.mkdir()
    for n, data in enumerate(ct_series(4)):
        (study / f"{n}.dcm").write_bytes(data)
    return study


def files_under(folder):
    return {path for path in Path(folder).rglob("*") if path.is_file()}


def stored():
    return files_under(settings.MEDIA_ROOT)


def temporary_uploads():
    return files_under(settings.FILE_UPLOAD_TEMP_DIR)


def hung_upload(study):
    """A process staging the study, hung after two files: (process, its files, its temp file)."""
    before, temporary_before = stored(), temporary_uploads()
    env = {
        **os.environ,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "WORK_DIR": str(settings.WORK_DIR),
    }
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("upload_then_hang.py")), str(study)],
        cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout.readline().strip() == "READY"
    return process, stored() - before, temporary_uploads() - temporary_before


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_the_sweep_deletes_at_once_what_a_killed_upload_wrote(folders):
    crashed, written, temporary = hung_upload(folders)
    assert written and len(temporary) == 1
    kill(crashed)
    call_command("sweep_orphans")
    assert stored() & written == set()
    assert temporary_uploads() & temporary == set()


def test_the_sweep_spares_an_upload_in_flight_in_another_process(folders):
    live, written, temporary = hung_upload(folders)
    try:
        call_command("sweep_orphans")
        assert written <= stored()
        assert temporary <= temporary_uploads()
    finally:
        kill(live)
    call_command("sweep_orphans")
    assert stored() & written == set()


def test_the_sweep_removes_the_journals_of_dead_uploads(folders):
    crashed, _, _ = hung_upload(folders)
    kill(crashed)
    assert list(inflight.stagings_folder().glob("*.journal"))
    call_command("sweep_orphans")
    assert not list(inflight.stagings_folder().glob("*"))
