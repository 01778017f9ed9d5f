"""Handouts made once per content of the case, workflow and paper, kept in storage under
`generated/handouts/` and streamed from there.

A stored handout's name holds a digest of the HTML WeasyPrint is given, so an edit that changes
the handout makes a new file, and the old one is deleted when it does. Readers are served the
stored file; a flood of requests for one PDF renders it once.
"""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from cases import sending
from cases.caching import content_version, fetch
from cases.handouts.images import HandoutImages
from cases.handouts.rendering import case_html, write_pdf
from cases.models import Case
from cases.workflows import ACADEMIC, STANDARD

PAIR = "pair"
# What each part prints, in order: a workflow's handout, or the pair of a conference.
PARTS = {ACADEMIC: [ACADEMIC], STANDARD: [STANDARD], PAIR: [ACADEMIC, STANDARD]}
GENERATED = "generated/handouts"



def stored(request, pk, part, paper, load_case):
    """The storage name of the handout (a workflow's, or the pair) of the case pk, made if missing.

    The name is cached under the content version, so a request for a handout made already costs a
    cache read and a stat, and the case is loaded (load_case(pk), with all it shows) only to make
    one; a name whose file is gone (a newer handout replaced it through another worker) is made
    again."""
    key = f"handouts:{content_version()}:{pk}:{part}:{paper}"
    name, _ = fetch(key, lambda: (store(request, load_case(pk), part, paper), True))
    if not default_storage.exists(name):
        name = store(request, load_case(pk), part, paper)
    return name


def store(request, case, part, paper):
    """Make the handout unless the one of this content is stored; delete its older versions."""
    def case_url(view):
        return request.build_absolute_uri(view.get_absolute_url())

    pages = [case_html(case, workflow, paper, case_url) for workflow in PARTS[part]]
    digest = hashlib.sha256("\0".join(pages).encode()).hexdigest()[:32]
    prefix = f"{folder(case.pk)}/{part}-{paper}-"
    return save_once(f"{prefix}{digest}.pdf", prefix, Case.objects.filter(pk=case.pk),
                     lambda: write_pdf(pages, HandoutImages(case)))  # fmt: skip


def save_once(name, prefix, row, make):
    """Store make()'s bytes under name unless a file of that name is stored already, and delete
    the older files of prefix; return name. `row` (a queryset of one row: the case, the set) is
    locked meanwhile, so that workers (and hosts) missing the same file at once wait for the
    first one's rather than each making it (a no-op on SQLite, where the cache's lock in fetch()
    serialises the workers of one process)."""
    with transaction.atomic():
        row.select_for_update().exists()
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(make()))
            delete_older(prefix, keep=name)
    return name


def attachment(name, filename, content_type="application/pdf"):
    """A stored file as a download, streamed (no worker holds a whole file in memory to send it),
    or a redirect to the object store (cases/sending.py). `filename` names ids, never a title."""
    return sending.send(name, content_type=content_type, filename=filename, private=True)


def folder(case_pk):
    return f"{GENERATED}/case-{case_pk}"


def listing(directory):
    """(folders, files) in a stored folder, none if it is missing. Asked rather than exists():
    on an object store a folder is a prefix of names, no object of its own."""
    try:
        return default_storage.listdir(directory)
    except FileNotFoundError:
        return [], []


def delete_older(prefix, keep):
    directory, start = prefix.rsplit("/", 1)
    _, files = listing(directory)
    for file in files:
        if file.startswith(start) and f"{directory}/{file}" != keep:
            default_storage.delete(f"{directory}/{file}")
