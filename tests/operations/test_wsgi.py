"""The WSGI entry point gunicorn serves (repository/wsgi.py) compiles the site's templates and
keeps the cycle collector off what loading the app made, which lives as long as the process."""

import os
import subprocess
import sys
from pathlib import Path

from django.template import engines

from operations.warming import compile_templates
from tests.operations.sites import ROOT

PROBE = "import gc, repository.wsgi; print(gc.get_freeze_count())"
# The site's templates a loaded app holds compiled, none of them asked for yet.
COMPILED = """
import repository.wsgi
from django.template import engines
cached = engines["django"].engine.template_loaders[0].get_template_cache
print(len([key for key, template in cached.items() if not isinstance(template, type)]))
"""


# The shared cache's client made, with nothing listening where it points: no connection opened.
CACHE_CLIENT = """
import repository.wsgi
from django.core.cache import caches
print(int("_cache" in vars(caches["default"])))
"""


def probe(code, **env):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "repository.settings", **env}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    return int(done.stdout)


def test_loading_the_app_freezes_what_it_made():
    assert probe(PROBE) > 10_000  # the modules, models and URL patterns of the loaded app


def test_loading_the_app_compiles_every_template_of_the_site_before_a_first_request():
    assert probe(COMPILED) == len(list((Path(ROOT) / "templates").rglob("*.html")))


def test_loading_the_app_makes_the_shared_caches_client_without_connecting():
    assert probe(CACHE_CLIENT, CACHE_URL="redis://127.0.0.1:9/0") == 1  # port 9: nobody


def test_the_compiled_templates_are_those_pages_render():
    compile_templates()
    engine = engines["django"].engine
    cached = engine.template_loaders[0].get_template_cache
    assert engine.get_template("cases/browse.html") is cached["cases/browse.html"]
