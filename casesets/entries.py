"""What a set's pages show of each of its cases, built through cases.workflows.present() so that
the academic rule holds here as on a case page: an unknown is an academic CaseView, which lacks
every field in HIDDEN_IN_ACADEMIC, and an answer exists only where the page may show one.
Presenter notes go only to the set's owner."""

from dataclasses import dataclass

from cases.models import Case
from cases.workflows import ACADEMIC, STANDARD, CaseView, present


@dataclass
class Entry:
    number: int  # 1-based, in the set's order
    item_pk: int
    unknown: CaseView  # what the audience sees
    answer: CaseView | None = None  # standard only
    notes: str = ""  # the owner's only


def published_items(case_set):
    """The set's items whose case is published, in order: one query."""
    return list(case_set.items.shown())


def entries(case_set, items, workflow, user, images=False):
    """[Entry] of the items; with images, each view holds its studies and images (the
    presenter), else what a card shows. A fixed number of queries however many cases."""
    if images:
        cases = Case.objects.for_readers()
    else:  # what a card shows, and the history the set's page shows beside it
        cases = Case.objects.published().for_cards("history")
    by_pk = cases.in_bulk([item.case_id for item in items])
    owner = case_set.is_owned_by(user)
    made = []
    for item in items:
        case = by_pk.get(item.case_id)
        if case is None:  # withdrawn between the two queries
            continue
        made.append(_entry(len(made) + 1, item, case, workflow, owner, images))
    return made


def _entry(number, item, case, workflow, owner, images):
    studies = case.studies.all() if images else None
    entry = Entry(number, item.pk, present(case, ACADEMIC, studies=studies))
    if workflow == STANDARD:
        entry.answer = present(case, STANDARD, studies=studies)
        entry.notes = item.notes if owner else ""
    return entry
