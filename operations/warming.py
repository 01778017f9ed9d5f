"""A web worker made ready before its first reader: every template the site renders compiled
into the template loaders' caches when the process loads the app (repository/wsgi.py).

Without it, each worker compiles a page's templates on the first request that renders them:
the first browse, case or search page a new worker served took 50-80 ms more than the next
(docs/performance.md). gunicorn replaces each worker after max_requests
(deploy/gunicorn.conf.py), so that cost came back every few thousand requests, to whichever
reader drew the new worker."""

from pathlib import Path

import django.forms
from django.forms.renderers import get_default_renderer
from django.template import engines

FORM_TEMPLATES = Path(django.forms.__file__).parent / "templates"


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
