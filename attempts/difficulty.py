"""How hard a case proved, measured: how many readers attempted it and the share they got right,
shown on the standard case page beside the level its author gave.

The case page's body is cached per workflow, case and content version (cases/results.py), and an
attempt draws no new content version (it would empty every reader's cache at each commit). So
the figure is not in the body: the body holds a slot (SLOT) that fill() replaces on each request
with the figure, which is cached under its own key per case and deleted when an attempt at the
case is saved (committed or its grade confirmed). A page seen before still costs no query. Text
a contributor typed cannot forge the slot: it is escaped, so it never holds "<!--".

Each reader counts once, by their first attempt (later ones follow the answer they were shown),
scored as on the progress page: correct = 1, partly right = 0.5, missed = 0.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.html import format_html

from attempts import progress
from attempts.models import Attempt
from cases.caching import CACHE_SECONDS

SLOT = "<!--measured-difficulty-->"


def _key(case_pk):
    return f"attempts:difficulty:{case_pk}"


def measured(case_pk):
    """Score of the readers' first attempts at the case: one query."""
    earlier = Attempt.objects.filter(
        reader=OuterRef("reader"), case=OuterRef("case"), pk__lt=OuterRef("pk")
    )
    firsts = Attempt.objects.filter(case=case_pk).exclude(Exists(earlier))
    row = progress.graded(firsts).aggregate(**progress.tallies(distinct=False))
    return progress.Score.of("Readers", row)


def html(case_pk):
    """The figure as the case page's detail list shows it, from the cache when it is there."""
    value = cache.get(_key(case_pk))
    if value is None:
        score = measured(case_pk)
        if score.attempts:
            readers = f"{score.attempts} reader{'s' if score.attempts != 1 else ''}"
            value = format_html(
                '<dt>Measured</dt><dd class="measured-difficulty">{} attempted, {}% right</dd>',
                readers,
                score.accuracy,
            )
        else:
            value = format_html(
                '<dt>Measured</dt><dd class="measured-difficulty">{}</dd>',
                "Not attempted yet",
            )
        cache.set(_key(case_pk), str(value), CACHE_SECONDS)
    return value


def fill(page, case_pk):
    """The page (UTF-8 bytes, as it is sent) with the figure in its slot; a page without the
    slot (academic) is unchanged."""
    slot = SLOT.encode()
    if slot not in page:
        return page
    return page.replace(slot, html(case_pk).encode(), 1)


@receiver([post_save, post_delete], sender=Attempt, dispatch_uid="attempts.difficulty")
def _forget(sender, instance, **kwargs):
    key = _key(instance.case_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))  # a page read meanwhile saw the old rows
