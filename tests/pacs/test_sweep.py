"""Files received and not yet handed over live in a locked folder under WORK_DIR: the sweep
deletes a dead receiver's at once and never a live one's."""

import subprocess
import sys

from django.core.management import call_command

from viewer.inflight import HeldFolder, incoming_folder


def test_the_sweep_spares_a_live_receivers_folder(db):
    live = HeldFolder()
    (live.path / "000001.dcm").write_bytes(b"received")
    call_command("sweep_orphans", verbosity=0)
    assert (live.path / "000001.dcm").exists()
    live.close()
    assert not live.path.exists()


def test_the_sweep_deletes_a_dead_receivers_folder(db, settings):
    # A process that holds a folder, writes into it and dies without closing it (kill -9).
    script = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings';"
        f"os.environ['WORK_DIR'] = {str(settings.WORK_DIR)!r}; django.setup();"
        "from viewer.inflight import HeldFolder; f = HeldFolder();"
        "(f.path / '000001.dcm').write_bytes(b'received'); print(f.path); os._exit(0)"
    )
    dead = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True).stdout.split()[-1]  # fmt: skip
    assert (incoming_folder() / dead).exists()
    call_command("sweep_orphans", verbosity=0)
    assert not list(incoming_folder().iterdir())
