"""The WSGI entry point gunicorn serves (repository/wsgi.py) tunes the cycle collector for a
long-lived server process once the app is loaded."""

import os
import subprocess
import sys

from tests.operations.sites import ROOT

PROBE = "import gc, repository.wsgi; print(gc.get_freeze_count(), *gc.get_threshold())"


def test_loading_the_app_freezes_what_it_made_and_collects_the_young_less_often():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "repository.settings"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    frozen, young, *_ = (int(n) for n in done.stdout.split())
    assert frozen > 10_000  # the modules, models and URL patterns of the loaded app
    assert young == 10_000
