"""Facet counts beside the browse filters: how many of the cases found have each value.

Each facet counts the cases the page found (the search and the other filters applied), so a page
costs the same however many cases there are. On PostgreSQL the facets read from the case row
(anatomy, category, difficulty, age) that select the same cases are counted in one pass, by
GROUPING SETS: with a search matching 69,000 of 100,000 cases each pass reads most of the table,
so one pass instead of four is most of the saving. The modalities, through studies, are one more
query. Facets on fields the academic workflow hides (category, tag) are counted for the standard
workflow only.
"""

from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Q

from cases.ages import AGE_GROUPS
from cases.counts.bands import band, groups_from
from cases.models import Case, Study
from cases.workflows import STANDARD

TOP_TAGS = 20


def facet_counts(select, workflow):
    """{filter name: {value: count}} for the select filters of the workflow's browse form.

    select(name) is the cases found with every filter but `name` applied, so a facet counts what
    choosing each of its values would give: with Chest chosen, Neuro still shows its count."""
    if connection.vendor == "postgresql":
        return _in_few_passes(select, workflow)
    counts = {
        "anatomy": _by(select("anatomy"), "anatomy"),
        "modality": modality_counts(select("modality")),
        "age": _age_groups(select("age")),
        "difficulty": _by(select("difficulty"), "difficulty"),
    }
    if workflow == STANDARD:
        counts["category"] = _by(select("category"), "category")
    return counts


# The facets counted from the case row, by the column each groups by (age: filtered counts).
ROW_FACETS = {"anatomy": "anatomy_id", "category": "category_id", "difficulty": "difficulty",
              "age": None}
ROW_COLUMNS = ("anatomy_id", "category_id", "difficulty", "age_days")


def row_facets(workflow):
    """The names of the row facets the workflow's browse form has."""
    return [name for name in ROW_FACETS if name != "category" or workflow == STANDARD]


def count_rows(rows, name):
    """{value: count} of row facet `name` among rows read already ({column: value} with
    ROW_COLUMNS), as _one_pass() counts them in the database: a value no row holds is left out
    (None, a case without a category, is one), every age group is given, 0 or not."""
    if name == "age":  # each row's band once, then the groups as sums of bands
        return groups_from(Counter(band(row["age_days"]) for row in rows))
    return dict(Counter(row[ROW_FACETS[name]] for row in rows))


def _in_few_passes(select, workflow):
    """facet_counts() in one query per distinct set of cases: those that select(name) gives
    alike (every facet whose own filter is not chosen) share a pass."""
    names = row_facets(workflow)
    passes = {}
    for name in names:
        cases = select(name)
        passes.setdefault(str(cases.query), (cases, []))[1].append(name)
    counts = {"modality": modality_counts(select("modality"))}
    for cases, together in passes.values():
        counts.update(_one_pass(cases, together))
    return counts


def _one_pass(cases, names):
    """{name: {value: count}} for these row facets, in one GROUPING SETS query (PostgreSQL)."""
    columns = [ROW_FACETS[name] for name in names if ROW_FACETS[name]]
    found = cases.order_by().values("anatomy_id", "category_id", "difficulty", "age_days")
    sql, params = found.query.sql_with_params()
    ages = "".join(
        f", COUNT(*) FILTER (WHERE age_days >= {low:d}"
        + ("" if high is None else f" AND age_days < {high:d}") + ")"
        for _, _, low, high in AGE_GROUPS
    )
    query = (
        f"SELECT {''.join(f'{c}, GROUPING({c}), ' for c in columns)}COUNT(*){ages} "
        f"FROM ({sql}) AS found "
        f"GROUP BY GROUPING SETS ({''.join(f'({c}), ' for c in columns)}())"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    counts = {name: {} for name in names if ROW_FACETS[name]}
    for row in rows:
        n = row[2 * len(columns)]
        grouped = [i for i in range(len(columns)) if row[2 * i + 1] == 0]
        if grouped:  # GROUPING(c) is 0 in the rows grouped by c
            name = next(k for k, v in ROW_FACETS.items() if v == columns[grouped[0]])
            counts[name][row[2 * grouped[0]]] = n
        elif "age" in names:  # the grand total row: the age groups' filtered counts
            ages = row[2 * len(columns) + 1:]
            counts["age"] = {key: count for (key, *_), count in zip(AGE_GROUPS, ages, strict=True)}
    return counts


def _by(cases, field):
    rows = cases.order_by().values(field).annotate(n=Count("pk")).order_by()
    return {row[field]: row["n"] for row in rows}


def modality_counts(cases):
    """Cases, not studies: a case with two CT studies counts once for CT."""
    rows = (
        Study.objects.filter(case__in=cases.order_by().values("pk"))
        .values("modality")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    return {row["modality"]: row["n"] for row in rows}


def _age_groups(cases):
    """One aggregate with a filtered count per group (the groups overlap: infant is pediatric)."""
    counts = {}
    for key, _, low, high in AGE_GROUPS:
        within = Q(age_days__gte=low) if high is None else Q(age_days__gte=low, age_days__lt=high)
        counts[key] = Count("pk", filter=within)
    return cases.order_by().aggregate(**counts)


def top_tags(cases, limit=TOP_TAGS):
    """[(slug, name, count)] of the tags most used among the cases found (standard only)."""
    through = Case.tags.through
    rows = (
        through.objects.filter(
            content_type=ContentType.objects.get_for_model(Case),
            object_id__in=cases.order_by().values("pk"),
        )
        .values("tag__slug", "tag__name")
        .annotate(n=Count("object_id"))
        .order_by("-n", "tag__name")[:limit]
    )
    return [(row["tag__slug"], row["tag__name"], row["n"]) for row in rows]
