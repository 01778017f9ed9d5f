"""A logged-in reader's memory of the cases, in academic browse: the marks on the cards (seen,
and the latest grade; due) and the filters unseen, missed and due for review. Both read
attempts.models.Review, one row per reader and case.

Neither is ever part of what is shared between readers (cases/results.py):
- Marks. An academic card in the cached browse results carries a slot naming its case
  (`<!--mark:42-->`, cases/slots.py); per request, marks_of() reads the reader's reviews of the
  cases on the page in one query, and the slots are filled with them (an anonymous reader's are
  emptied, at no query).
  The slot cannot be forged by what a contributor typed: text in a fragment is escaped, so it
  never holds `<!--`.
- Filters. Results with a memory filter on are this reader's own and change with each commit
  and as time makes cases due, which the content version does not follow: they are rendered
  per request and not cached; pages without one stay shared and cached. A random draw with one
  is a single indexed query per request (Case.objects.random_one()) instead of a shared pool.

The marks and the draw with no other filter are sent on every such page, so their statements are
written out here rather than built by the ORM each time, which cost more than the database's
answer, and prepared on PostgreSQL (operations/statements.py); tests/cases/test_memory_statements.py
holds them to the ORM's select().
"""

import functools
import random

from django.db.models import Exists, OuterRef
from django.utils.html import format_html, format_html_join

from attempts.models import Grade, Review
from cases.caching import VERSION_ROW, note_version
from cases.models import Case, ContentVersion
from operations import statements

UNSEEN, MISSED, DUE = "unseen", "missed", "due"
CHOICES = [("", "All cases"), (UNSEEN, "Unseen"), (MISSED, "Missed"), (DUE, "Due for review")]


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


def marks_of(cards, reader, now=None):
    """{case id: the HTML of this reader's marks} of the cards (case ids) of a page that has
    any (slots.Cut.cards): one query, none for an anonymous reader or a page without cards."""
    if not cards or not reader.is_authenticated:
        return {}
    among, among_params = statements.among("case_id", cards)
    with statements.cursor() as cursor:
        cursor.execute(_MARKS.format(cards=among),
                       [statements.moment(now), reader.pk, *among_params])
        return _marks(cursor.fetchall())


def with_version(cards, reader_id, now=None, read=None):
    """(the content version, {case id: the HTML of the marks of the logged-in reader with this
    id}) of the cards of a page, both read in one statement: for a page found cached under the
    version this process read last, which its view serves only if the version read here is
    still that one (cases/views.py). With read (accounts.reading.SessionRead), the same statement
    reads the request's session and user, and the marks hold only if the reader is reader_id.
    (None, {}) for a page without cards, which needs no such statement."""
    if not cards:
        return None, {}
    now = statements.moment(now)
    among, among_params = statements.among("r.case_id", cards)
    sql = _VERSION_AND_MARKS.format(cards=among)
    with statements.cursor() as cursor:
        rows = statements.rows(cursor, sql, [now, reader_id, *among_params, VERSION_ROW], read, now)
    if not rows:  # no content version yet
        return None, {}
    return note_version(rows[0][0]), _marks(row[1:] for row in rows if row[1] is not None)


def _marks(rows):
    return {case: _marks_html(grade, bool(due)) for case, grade, due in rows}


def marks_html(review):
    """A card's marks from (the latest grade, due or not); nothing for a case never seen."""
    return "" if review is None else _marks_html(*review)


@functools.cache
def _marks_html(grade, due):
    """The few kinds of marks, each written once."""
    marks = [("seen", "Seen"), (grade, Grade(grade).label)]
    if due:
        marks.append(("due", "Due"))
    spans = format_html_join("", '<span class="mark mark-{}">{}</span>', marks)
    return format_html('<p class="card-marks">{}</p>', spans)


def draw(reader_id, choice, now=None, read=None):
    """The id of one published case the reader with this id has not seen, last missed or has
    due, drawn as Case.objects.random_one() draws over select(): the first in random_key order
    from a random point, read from the (status, random_key, id) index with a probe of the
    (reader, case) one, wrapping round to the start when the point falls past the last. None if
    there is none. With read (accounts.reading.SessionRead), the first statement reads the
    request's session and user too, and the draw holds only if the reader is reader_id."""
    reviewed = _REVIEWED[choice]
    now = statements.moment(now)
    params = [reader_id, *([now] if choice == DUE else [])]
    with statements.cursor() as cursor:
        for point in (random.random(), None):  # the second only when the first finds none
            bound = "AND c.random_key >= %s" if point is not None else ""
            sql = _DRAW.format(reviewed=reviewed, bound=bound)
            sql_params = [Case.Status.PUBLISHED, *params, *([point] if point is not None else [])]
            rows = statements.rows(cursor, sql, sql_params, read, now)
            read = None  # the session and user read once, with the first
            if rows:
                return rows[0][0]
    return None


_CASES, _REVIEWS = Case._meta.db_table, Review._meta.db_table
# The marks of the cards on a page: the (reader, case) index, probed once per card.
_MARKS = (
    f"SELECT case_id, last_grade, due <= %s FROM {_REVIEWS} "
    "WHERE reader_id = %s AND {cards}"
)
# The same marks beside the content version (cases/caching.py): one row per review, or one row
# of NULLs beside the version when the reader has reviewed none of the cards.
_VERSION_AND_MARKS = (
    f"SELECT v.token, r.case_id, r.last_grade, r.due <= %s FROM {ContentVersion._meta.db_table} v "
    f"LEFT JOIN {_REVIEWS} r ON r.reader_id = %s AND {{cards}} WHERE v.id = %s"
)
_REVIEW_OF_CASE = f"SELECT 1 FROM {_REVIEWS} r WHERE r.reader_id = %s AND r.case_id = c.id"
_REVIEWED = {
    UNSEEN: f"NOT EXISTS ({_REVIEW_OF_CASE})",
    MISSED: f"EXISTS ({_REVIEW_OF_CASE} AND r.last_grade = '{Grade.MISSED.value}')",
    DUE: f"EXISTS ({_REVIEW_OF_CASE} AND r.due <= %s)",
}
_DRAW = (
    f"SELECT c.id FROM {_CASES} c WHERE c.status = %s AND {{reviewed}} {{bound}} "
    "ORDER BY c.random_key LIMIT 1"
)
