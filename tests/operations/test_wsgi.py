"""The WSGI entry point gunicorn serves (repository/wsgi.py) keeps the cycle collector off what
loading the app made, which lives as long as the process."""

import os
import subprocess
import sys

from tests.operations.sites import ROOT

PROBE = "import gc, repository.wsgi; print(gc.get_freeze_count())"


def test_loading_the_app_freezes_what_it_made():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "repository.settings"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert int(done.stdout) > 10_000  # the modules, models and URL patterns of the loaded app
