"""A web worker made ready before its first reader (repository/wsgi.py calls warm() when the
process loads the app): every template the site renders compiled into the template loaders'
caches, the URL patterns read for reversing, the cache backends' client library imported.

Without it, a worker did each of these on the first request that needed it: the first browse
page a new worker served took ~230 ms against ~20 for the next (the Redis client's import 85
ms, the URL patterns 37, the templates), a case page 50-80 ms more (docs/performance.md).
gunicorn replaces each worker after max_requests (deploy/gunicorn.conf.py), so that cost came
back every few thousand requests, to whichever reader drew the new worker."""

from pathlib import Path

import django.forms
from django.conf import settings
from django.core.cache import caches
from django.forms.renderers import get_default_renderer
from django.template import engines
from django.urls import get_resolver

FORM_TEMPLATES = Path(django.forms.__file__).parent / "templates"


def warm():
    """Everything above, with no round trip to the database or the cache."""
    compile_templates()
    get_resolver().reverse_dict  # noqa: B018 (read for its side effect: the patterns' tables)
    for alias in settings.CACHES:
        caches[alias]  # noqa: B018 (the backend made, its client library imported)


def compile_templates():
    """Compile the project's templates (settings.TEMPLATES' DIRS) in the site's engine and the
    forms' widget templates in the form renderer's; returns how many. Django's own admin
    templates are left to compile when first asked for: few readers ever see them."""
    engine = engines["django"]
    count = 0
    for folder in engine.dirs:
        count += _compile(engine.get_template, Path(folder))
    return count + _compile(get_default_renderer().get_template, FORM_TEMPLATES)


def _compile(get_template, folder):
    names = [path.relative_to(folder).as_posix() for path in sorted(folder.rglob("*.html"))]
    for name in names:
        get_template(name)
    return len(names)
