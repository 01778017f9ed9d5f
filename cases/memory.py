"""A logged-in reader's memory of the cases, in academic browse: the marks on the cards (seen,
and the latest grade; due) and the filters unseen, missed and due for review. Both read
attempts.models.Review, one row per reader and case.

Neither is ever part of what is shared between readers (cases/results.py):
- Marks. An academic card in the cached browse results carries a slot naming its case
  (`<!--mark:42-->`); per request, fill_marks() reads the reader's reviews of the cases on the
  page in one query and fills each slot (an anonymous reader's slots are emptied, at no query).
  The slot cannot be forged by what a contributor typed: text in a fragment is escaped, so it
  never holds `<!--`.
- Filters. Results with a memory filter on are this reader's own and change with each commit
  and as time makes cases due, which the content version does not follow: they are rendered
  per request and not cached; pages without one stay shared and cached. A random draw with one
  is a single indexed query per request (Case.objects.random_one()) instead of a shared pool.
"""

import re

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from attempts.models import Grade, Review

UNSEEN, MISSED, DUE = "unseen", "missed", "due"
CHOICES = [("", "All cases"), (UNSEEN, "Unseen"), (MISSED, "Missed"), (DUE, "Due for review")]
SLOT = "<!--mark:{}-->"
SLOT_PATTERN = re.compile(r"<!--mark:(\d+)-->")


def select(cases, reader, choice, now=None):
    """The cases of queryset this reader has not seen, last missed or has due: an EXISTS (or NOT
    EXISTS) on the reader's reviews, read through the unique (reader, case) index."""
    reviews = Review.objects.of_reader(reader).filter(case=OuterRef("pk"))
    if choice == UNSEEN:
        return cases.filter(~Exists(reviews))
    if choice == MISSED:
        reviews = reviews.filter(last_grade=Grade.MISSED)
    elif choice == DUE:
        reviews = reviews.due(now)
    return cases.filter(Exists(reviews))


def slot(pk):
    return SLOT.format(int(pk))


def fill_marks(page, reader, now=None):
    """The page with each card's slot filled with this reader's marks: one query for every card
    on it, none for an anonymous reader or a page without cards."""
    ids = {int(pk) for pk in SLOT_PATTERN.findall(page)}
    reviews = {}
    if ids and reader.is_authenticated:
        found = Review.objects.of_reader(reader).filter(case_id__in=ids)
        reviews = {r.case_id: r for r in found.only("case_id", "last_grade", "due")}
    now = now or timezone.now()
    return SLOT_PATTERN.sub(lambda match: marks_html(reviews.get(int(match[1])), now), page)


def marks_html(review, now):
    if review is None:
        return ""
    marks = [("seen", "Seen"), (review.last_grade, Grade(review.last_grade).label)]
    if review.due <= now:
        marks.append(("due", "Due"))
    spans = format_html_join("", '<span class="mark mark-{}">{}</span>', marks)
    return format_html('<p class="card-marks">{}</p>', spans)
