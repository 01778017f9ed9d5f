"""Counts of the browse results the counts table cannot answer (cases/counts/): a search, a
reader's own filter. Up to ESTIMATE_ABOVE cases they are exact, counted with a LIMIT that stops
there; above it the page says "about": the number of cases found is PostgreSQL's estimate (an
EXPLAIN, no row read), and the facet counts are counted in a sample of SAMPLE cases found and
scaled to that estimate, rounded to two figures. A word in 69% of 100,000 cases thus costs a
few thousand rows read rather than four passes over the table.

The cases found are read once (Found): up to ESTIMATE_ABOVE + 1 of them, their ids with the
values they are ordered by, in one query. That one read gives the count, the facets' sample of
the cases found and, when they are few enough to count, the order of every page; the page's
24 cards are then read by id. Before, the count, the sample and the page each ran the search
again over the same rows, and a rare word with a filter sorted by date walked the date index
testing the search on each wide row."""

import json
from collections import Counter
from functools import cached_property
from math import ceil
from typing import NamedTuple

from django.db import connection
from django.db.models import FloatField
from django.db.models.functions import Cast, Extract

from cases.counts import reading as counted
from cases.facets import ROW_COLUMNS, count_rows, row_facets
from cases.paging import ResultsPage

ESTIMATE_ABOVE = 1000
SAMPLE = 1000
# A page of a result too large to count is read by OFFSET in its order, which PostgreSQL serves
# by walking the ordering's index and testing the search on each case's vector (read from
# TOAST): cheap when most cases match, but for a word in 1-3% of them it tested ~2,200 cases
# (10,900 buffers) for a page of 24. When the planner expects no more than READ_ALL_BELOW cases
# found, every one's id and ordering values are read instead, from the search's GIN index
# without their vectors, and put in order here.
READ_ALL_BELOW = 3000
READ_AT_MOST = 2 * READ_ALL_BELOW  # past this, the estimate was wrong: the walk after all
# What a sampled case's facets need of its row: the row facets' columns and the ids of its
# modalities and tags, which the row lists (Case.listed_modalities), so that counting them
# reads no other table for the sample's 1,000 ids.
PART_COLUMNS = ("listed_modalities", "listed_tags")
SAMPLED_COLUMNS = (*ROW_COLUMNS, *PART_COLUMNS)


class Found:
    """The cases a search or a reader's own filter selects, read once: `ids` (up to
    ESTIMATE_ABOVE + 1, and at least SAMPLE, in no particular order) and `count`, exact when they
    are no more than ESTIMATE_ABOVE, else None. `ordering` is the queryset's: its fields (an
    annotation such as the search's rank among them) are read with the ids, so that a counted
    result is put in order here instead of by the database; () when no page is read from them."""

    def __init__(self, cases, ordering, whole_when_few=False):
        self.cases, self.ordering = cases, ordering
        # With the row facets' columns, which the row holds already: the facets whose own filter
        # is not chosen are counted from these rows (Sampled), without reading them again.
        names = ["id", *(name for name in _names(ordering) if name != "id"), *SAMPLED_COLUMNS]
        limit = max(ESTIMATE_ABOVE + 1, SAMPLE)
        # whole_when_few: when the planner expects them few enough to read whole for a page
        # (estimated_page), all are read now, rather than the first 1,001 and then all again
        # (a rare word found in 1,000-3,000 cases read them twice). Its EXPLAIN is the estimate
        # a count over 1,000 needs anyway.
        plans = connection.vendor == "postgresql"  # elsewhere the estimate is a count
        self.whole = whole_when_few and plans and self.estimate <= READ_ALL_BELOW
        rows = _read(cases, names, READ_AT_MOST + 1 if self.whole else limit)
        self._every = rows if self.whole else None
        self.rows = rows[:limit]
        self.ids = [row["id"] for row in self.rows]
        self.count = len(self.ids) if len(self.ids) <= ESTIMATE_ABOVE else None

    @cached_property
    def estimate(self):
        """estimated_count() of the cases found: one EXPLAIN for the page and the facets."""
        return estimated_count(self.cases)

    def page(self, cards, number, per_page):
        """The page `number` (clamped to the last) of a counted result: its cases in order,
        cards(ids) giving those with what a card shows."""
        last = max(1, ceil(self.count / per_page))
        number = min(max(1, number), last)
        ids = in_order(self.rows, self.ordering)[(number - 1) * per_page:number * per_page]
        by_id = {case.pk: case for case in cards(ids)}
        return ResultsPage(number, [by_id[pk] for pk in ids if pk in by_id], self.count,
                           per_page)

    def estimated_page(self, cards, number, per_page):
        """The page `number` of a result too large to count, as paging.estimated_page() gives
        it, from every case found put in order here; None when the planner expects more than
        READ_ALL_BELOW of them, or they turn out to be more than READ_AT_MOST."""
        if self.estimate > READ_ALL_BELOW:
            return None
        rows = self._every
        if rows is None:
            names = ["id", *(name for name in _names(self.ordering) if name != "id")]
            rows = _read(self.cases, names, READ_AT_MOST + 1)
        if len(rows) > READ_AT_MOST:
            return None
        number = max(1, number)
        start = (number - 1) * per_page
        ids = in_order(rows, self.ordering)[start:start + per_page]
        by_id = {case.pk: case for case in cards(ids)}
        return ResultsPage(number, [by_id[pk] for pk in ids if pk in by_id],
                           about(self.estimate), per_page, exact=False,
                           has_next=len(rows) > start + per_page)


# The ordering's dates, read as seconds since the epoch (a float, which sorts as the date does):
# psycopg makes a datetime of each, ~3 µs, and a search reads 1,001 of them only to order them.
DATES = ("published_at", "updated")


def _read(cases, names, limit):
    """[{name: value}] of up to limit of the cases (in no order), dates as epoch seconds on
    PostgreSQL."""
    if connection.vendor != "postgresql" or not set(DATES) & set(names):
        return list(cases.order_by().values(*names)[:limit])
    epochs = {f"{name}_epoch": Cast(Extract(name, "epoch"), FloatField())
              for name in names if name in DATES}
    columns = [f"{name}_epoch" if name in DATES else name for name in names]
    rows = cases.order_by().annotate(**epochs).values_list(*columns)[:limit]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _names(ordering):
    return [field.removeprefix("-") for field in ordering]


def in_order(rows, ordering):
    """The ids of rows (dicts holding the ordering's fields) sorted as ORDER BY `ordering`
    sorts them in PostgreSQL: each field ascending, or descending with "-", NULLs last when
    ascending and first when descending. Every ordering ends with the id: a total order."""
    rows = list(rows)
    for field in reversed(ordering):  # stable sorts, the last field first
        name = field.removeprefix("-")
        rows.sort(key=lambda row: (row[name] is None, row[name]), reverse=field.startswith("-"))
    return [row["id"] for row in rows]


def estimated_count(cases):
    """The planner's estimate of how many cases this queryset selects (PostgreSQL; elsewhere,
    where searches run on small sites, the count), never below what Found read."""
    if connection.vendor != "postgresql":
        return cases.count()
    return max(ESTIMATE_ABOVE + 1, int(planned_rows(cases)))


def planned_rows(queryset):
    """How many rows the planner expects the queryset to select: an EXPLAIN, which plans the
    query without running it."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def about(n):
    """n rounded to two significant figures, as the page shows an estimate: "about 69,000"."""
    digits = len(str(int(n)))
    return int(round(n, -max(0, digits - 2)))


class Sampled:
    """Facet counts and top tags for a form whose results are too many to count (each facet's
    cases are those of the form with that facet's filter left out), each counted in a sample of
    its cases and scaled to its estimated number, as strings: "~2,300".

    found (a Found of form.filter(published)) gives the sample of every facet whose own filter
    is not chosen, without reading the cases again. Every facet is counted here from the
    sampled rows: the facets of the case row (anatomy, category, level, age) from their columns,
    the modalities and tags from the ids the row lists."""

    def __init__(self, form, published, found=None):
        self.form, self.published = form, published
        self.scales = {}
        self._samples = {}
        self._parts_read = {}
        if found is not None:
            self._samples[self._key(None)] = self._sample(found.rows, lambda: found.estimate)

    def facet_counts(self, workflow):
        counts = {"modality": self._parts("modality")[0]}
        for name in row_facets(workflow):
            counts[name] = count_rows(self._sampled(name).rows, name)
        return {name: {value: self._scaled(name, n) for value, n in by_value.items()}
                for name, by_value in counts.items()}

    def top_tags(self, limit):
        rows = counted.named_top(self._parts("tag")[1], limit)
        return [(slug, name, self._scaled("tag", n)) for slug, name, n in rows]

    def _parts(self, name):
        """({modality id: n}, {tag id: n}) in the sample of facet `name`, from the ids each
        sampled case lists on its row (Case.listed_modalities): counted once for the
        modalities and the tags when they share a sample (neither chosen)."""
        sample, key = self._sampled(name), self._key(name)
        if key not in self._parts_read:
            self._parts_read[key] = tuple(
                _listed(row[column] for row in sample.rows) for column in PART_COLUMNS)
        return self._parts_read[key]

    def _sampled(self, name):
        key = self._key(name)
        if key not in self._samples:
            cases = self.form.filter(self.published, without=name)
            rows = list(cases.order_by().values("id", *SAMPLED_COLUMNS)[:SAMPLE])
            self._samples[key] = self._sample(rows, lambda: estimated_count(cases))
        sample = self._samples[key]
        self.scales[name] = sample.scale
        return sample

    def _key(self, name):
        """What selects facet `name`'s cases: the form's filters but that one (and the sort,
        which orders them), alike for every facet whose own filter is not chosen. Compiling
        each facet's SQL to compare them cost milliseconds a page."""
        return frozenset((key, value) for key, value in self.form.active().items()
                         if key not in (name, "sort"))

    def _sample(self, rows, estimate):
        """_Sample of the cases whose rows were read: all of them when fewer than SAMPLE, counted
        exactly; else SAMPLE of them, scaled to estimate(), the number of cases estimated."""
        rows = rows[:SAMPLE]
        scale = 1 if len(rows) < SAMPLE else estimate() / len(rows)
        return _Sample(rows, scale)

    @property
    def estimated(self):
        """Whether any count was scaled from a sample (after facet_counts())."""
        return any(scale != 1 for scale in self.scales.values())

    def _scaled(self, name, n):
        scale = self.scales.get(name, 1)
        return n if scale == 1 else f"~{about(n * scale):,}"


class _Sample(NamedTuple):
    rows: list  # SAMPLED_COLUMNS of each case: {"id", "anatomy_id", ..., "listed_tags"}
    scale: float  # 1: every case is in the sample


def _listed(texts):
    """{id: how many of the texts list it} of texts listing ids as ",3,7," (or ""): counted as
    the text of each id, in one split and one count of them all (a Counter.update per case
    cost ~2 ms for 1,000 cases), turned into numbers once per distinct id."""
    counts = Counter(",".join(texts).split(","))
    counts.pop("", None)
    return {int(pk): n for pk, n in counts.items()}
