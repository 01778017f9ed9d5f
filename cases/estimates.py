"""Counts of the browse results the counts table cannot answer (cases/counts/): a search, a
reader's own filter. Up to ESTIMATE_ABOVE cases they are exact, counted with a LIMIT that stops
there; above it the page says "about": the number of cases found is PostgreSQL's estimate (an
EXPLAIN, no row read), and the facet counts are counted in a sample of SAMPLE cases found and
scaled to that estimate, rounded to two figures. A word in 69% of 100,000 cases thus costs a
few thousand rows read rather than four passes over the table."""

import json

from django.db import connection

from cases.facets import facet_counts, top_tags

ESTIMATE_ABOVE = 1000
SAMPLE = 1000


def bounded_count(cases):
    """The number of cases, or None when over ESTIMATE_ABOVE (no more than that are read)."""
    n = cases.order_by().values("pk")[:ESTIMATE_ABOVE + 1].count()
    return n if n <= ESTIMATE_ABOVE else None


def estimated_count(cases):
    """The planner's estimate of how many cases this queryset selects (PostgreSQL; elsewhere,
    where searches run on small sites, the count), never below what bounded_count() saw."""
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
    """Facet counts and top tags for a form whose results are too many to count (the select
    function of cases.facets: each facet's cases, that facet's filter left out), each counted in
    a sample of its cases and scaled to its estimated number, as strings: "~2,300"."""

    def __init__(self, form, published):
        self.form, self.published = form, published
        self.scales = {}
        self._samples = {}

    def facet_counts(self, workflow):
        counts = facet_counts(self._select, workflow)
        return {name: {value: self._scaled(name, n) for value, n in by_value.items()}
                for name, by_value in counts.items()}

    def top_tags(self, limit):
        rows = top_tags(self._select("tag"), limit)
        return [(slug, name, self._scaled("tag", n)) for slug, name, n in rows]

    def _select(self, name):
        cases = self.form.filter(self.published, without=name)
        key = str(cases.query)
        if key not in self._samples:
            ids = list(cases.order_by().values_list("pk", flat=True)[:SAMPLE])
            if len(ids) < SAMPLE:  # all of them: counted exactly, as they are selected
                self._samples[key] = (cases, 1)
            else:
                sample = self.published.filter(pk__in=ids)
                self._samples[key] = (sample, estimated_count(cases) / len(ids))
        sample, self.scales[name] = self._samples[key]
        return sample

    @property
    def estimated(self):
        """Whether any count was scaled from a sample (after facet_counts())."""
        return any(scale != 1 for scale in self.scales.values())

    def _scaled(self, name, n):
        scale = self.scales.get(name, 1)
        return n if scale == 1 else f"~{about(n * scale):,}"
