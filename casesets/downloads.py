"""A whole set as one PDF handout and one slide deck, its published cases in the set's order
(cases.handouts.set_pdf, cases.slides.deck): in academic the unknowns alone, in standard the
unknowns, the answer key or both.

Each file is made once per content of the set (its name, its cases in order, their content
version), part and paper, kept in storage under `generated/sets/set-<pk>/` and streamed from
there: a room of residents downloading the handout before a conference renders it once. A new
file replaces the older ones of its part and paper; a deleted set's files go with it.
"""

import hashlib

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import Http404
from django.views.decorators.http import require_GET

from cases import handouts, slides
from cases.caching import content_version
from cases.handouts.sets import ANSWERS, BOTH, UNKNOWNS
from cases.handouts.storage import save_once
from cases.workflows import ACADEMIC, get_workflow
from casesets.access import get_readable_set
from casesets.models import CaseSet

GENERATED = "generated/sets"
# The parts each workflow may have: academic never sends an answer.
PARTS = {ACADEMIC: [UNKNOWNS]}
ALL_PARTS = [BOTH, UNKNOWNS, ANSWERS]
PDF, PPTX = "pdf", "pptx"
CONTENT_TYPES = {
    PDF: "application/pdf",
    PPTX: slides.CONTENT_TYPE,
}


@require_GET
def handout(request, workflow, token):
    case_set, part = _set_and_part(request, workflow, token)
    paper = handouts.get_paper(request)
    return _file(case_set, PDF, part, paper, lambda ids: handouts.set_pdf(
        ids, title=case_set.name, part=part, paper=paper))  # fmt: skip


@require_GET
def deck(request, workflow, token):
    case_set, part = _set_and_part(request, workflow, token)
    return _file(case_set, PPTX, part, "", lambda ids: slides.deck(
        ids, title=case_set.name, part=part))  # fmt: skip


def _set_and_part(request, workflow, token):
    workflow = get_workflow(request, workflow)
    case_set = get_readable_set(request, token)
    part = request.GET.get("part", UNKNOWNS)
    if part not in PARTS.get(workflow, ALL_PARTS):
        raise Http404("No such part of this set's downloads")
    return case_set, part


def _file(case_set, kind, part, paper, make):
    """The stored file of this content, made if missing, as an attachment named by ids only."""
    ids = list(case_set.items.shown().values_list("case_id", flat=True))
    if not ids:
        raise Http404("This set holds no published case")
    name = _stored(case_set, ids, kind, part, paper, make)
    label = "-".join(filter(None, [f"set-{case_set.pk}", part, paper]))
    return handouts.attachment(name, f"{label}.{kind}", CONTENT_TYPES[kind])


def _stored(case_set, ids, kind, part, paper, make):
    content = repr((content_version(), case_set.name, ids)).encode()
    prefix = f"{folder(case_set.pk)}/{part}-{paper or 'deck'}-"
    name = f"{prefix}{hashlib.sha256(content).hexdigest()[:32]}.{kind}"
    return save_once(name, prefix, CaseSet.objects.filter(pk=case_set.pk), lambda: make(ids))


def folder(set_pk):
    return f"{GENERATED}/set-{set_pk}"


@receiver(post_delete, sender=CaseSet)
def delete_files(sender, instance, **kwargs):
    """A deleted set's handouts and decks go once the deletion commits."""
    directory = folder(instance.pk)

    def delete():
        for file in handouts.listing(directory)[1]:
            default_storage.delete(f"{directory}/{file}")

    transaction.on_commit(delete)
