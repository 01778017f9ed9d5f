"""Settings the load benchmark (bench/load.py) serves the app with: production settings, plus a
Server-Timing header so wrk can read the time each request spent in Django, and static files
collected into the benchmark's temporary folder. Never used outside the benchmark."""

import os
import time

from repository.settings import *  # noqa: F403
from repository.settings import MIDDLEWARE

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

# The uncached pass: every page computed afresh, as after a save or for a query never seen.
if os.environ.get("BENCH_NO_CACHE"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "local": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }

# Outermost, so the time covers every middleware as well as the view.
MIDDLEWARE = ["load_settings.ServerTiming", *MIDDLEWARE]


class ServerTiming:
    """Adds `Server-Timing: app;dur=<ms>`: the time from the request entering Django to the
    response leaving it, without the network or gunicorn's own work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.3f}"
        return response
