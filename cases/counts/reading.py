"""Counts read from cases.models.FacetCount: the number of cases a browse form's filters select,
the facet counts beside them, the tags among them and the homepage's statistics. Each is a sum
over the few rows that match (one query, a few milliseconds at 100,000 cases), exact as long as
every change went through cases/derived.py (`manage.py recount_cases` rebuilds them otherwise).

A search, a filter by author or a reader's own filter (cases/memory.py) selects cases no
combination of facet values describes: covers() is false for those forms. authored.py counts an
author among filters alone; cases/estimates.py the others."""

from collections import defaultdict
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Sum
from taggit.models import Tag

from cases.counts.bands import bands_of, groups_from
from cases.counts.keeping import KEY
from cases.models import Case, FacetCount
from cases.models.counts import NONE
from cases.workflows import STANDARD

# Filters whose values are columns of the counts, and the facets (cases/facets.py) among them.
ROW_FACETS = {"anatomy": "anatomy", "category": "category", "difficulty": "difficulty",
              "age": "age_band"}


def covers(form):
    """Whether the counts answer this (valid) form: no search, author or reader's own filter."""
    active = form.active()
    return not form.search_text().split() and not {"memory", "author"} & set(active)


class Tally(NamedTuple):
    """What a page of filters alone shows from the counts, whatever its number and sort."""

    total: int  # the cases the filters select
    facets: dict  # {facet: {value: count}}, as cases.facets.facet_counts() gives
    tags: list  # [(slug, name, count)] of the tags most used among the cases, as a facet


def tally(form, workflow, tags=0):
    """The total, the facet counts and (tags > 0) the `tags` most used tags of a form's filters,
    summed in one statement. Each facet counts the cases choosing each of its values would
    select: the facets whose own filter is not chosen share one sum (grouped by every row facet
    at once, added up here), each chosen one has its own, as do the modalities and the tags.
    Each sum built by the ORM and sent on its own cost more than the database's answer
    (docs/performance.md)."""
    names = [name for name in ROW_FACETS if name != "category" or workflow == STANDARD]
    together = defaultdict(list)  # without which filter: the facets not chosen share None
    for name in names:
        together[name if name in form.active() else None].append(name)
    sums = [((), _where(form))]
    sums += [([ROW_FACETS[name] for name in facets], _where(form, without=without))
             for without, facets in together.items()]
    sums.append((("modality",), _where(form, without="modality", kind="modality")))
    if tags:
        sums.append((("tag",), _where(form, without="tag", kind="tag")))
    rows = _summed(sums, named=bool(tags))
    total = sum(row[-1] for number, row in rows if number == 0)
    by_tag = [row for number, row in rows if tags and number == len(sums) - 1]
    named = [(slug, name, n) for *_, slug, name, n in by_tag]
    return Tally(total, _facets(rows, list(together.values())), _top(named, tags))


def named_top(by_tag, limit):
    """[(slug, name, count)] of the `limit` tags with the most cases in {tag id: count}, the
    most used first, then by name."""
    named = Tag.objects.filter(pk__in=by_tag).values_list("pk", "slug", "name")
    return _top([(slug, name, by_tag[pk]) for pk, slug, name in named], limit)


def statistics():
    """The homepage's figures: published cases and their cleared images, summed from the
    counts, and their authors: an EXISTS per user through the author index, as the browse
    form's author choices are found."""
    figures = FacetCount.objects.filter(modality=NONE, tag=NONE).aggregate(
        cases=Sum("cases"), images=Sum("images"))
    figures = {name: value or 0 for name, value in figures.items()}
    authors = get_user_model().objects.filter(
        Exists(Case.objects.published().filter(author=OuterRef("pk"))))
    return {**figures, "contributors": authors.count()}


def _summed(sums, named):
    """[(number of the sum, (*KEY, slug, name, cases))] of each (columns grouped by, (condition,
    parameters)) in sums, as one UNION ALL; a column not grouped by is NULL. named: the last sum
    is the tags', their slugs and names joined to its few sums rather than to each row."""
    table, null_name = FacetCount._meta.db_table, _NULLS["name"]
    selects, params = [], []
    for number, (columns, (where, where_params)) in enumerate(sums):
        listed = ", ".join(f"f.{column}" if column in columns else _NULLS[column] for column in KEY)
        if named and number == len(sums) - 1:
            selects.append(
                f"SELECT {number}, {listed}, t.slug, t.name, f.n FROM (SELECT tag, SUM(cases) "
                f"AS n FROM {table} f WHERE {where} GROUP BY tag) f "
                f"JOIN {Tag._meta.db_table} t ON t.id = f.tag")
        else:
            group = ", ".join(f"f.{column}" for column in columns)
            selects.append(
                f"SELECT {number}, {listed}, {null_name}, {null_name}, SUM(f.cases) "
                f"FROM {table} f WHERE {where}{f' GROUP BY {group}' if group else ''}")
        params += where_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        return [(number, (*row[:-1], row[-1] or 0)) for number, *row in cursor.fetchall()]


# Typed, as PostgreSQL matches a UNION's columns from the left: two bare NULLs make text.
_NULLS = {column: "CAST(NULL AS BIGINT)" for column in KEY} | {
    "difficulty": "CAST(NULL AS VARCHAR(16))", "age_band": "CAST(NULL AS SMALLINT)",
    "name": "CAST(NULL AS VARCHAR(100))"}


def _facets(rows, together):
    """{facet: {value: count}} from the rows of the sums after the total: first the row facets,
    grouped as `together` lists them, then the modalities."""
    counts = {}
    for number, facets in enumerate(together, start=1):
        columns = {name: KEY.index(ROW_FACETS[name]) for name in facets}
        by_facet = {name: defaultdict(int) for name in facets}
        for _, row in (item for item in rows if item[0] == number):
            for name, column in columns.items():
                by_facet[name][row[column]] += row[-1]
        counts.update(by_facet)
    modalities = len(together) + 1
    counts["modality"] = {row[0]: row[-1] for number, row in rows if number == modalities}
    if "age" in counts:
        counts["age"] = groups_from(counts["age"])
    for name in ("anatomy", "category"):
        if name in counts:  # 0 is "none", which no option offers
            counts[name] = {pk: n for pk, n in counts[name].items() if pk != NONE}
    return {name: dict(by_value) for name, by_value in counts.items()}


def _top(named, limit):
    """The `limit` of [(slug, name, count)] with the most cases, then by name."""
    return sorted(named, key=lambda tag: (-tag[2], tag[1]))[:limit]


def _where(form, without=None, kind=None):
    """(condition, parameters) on the counts (alias f) for the form's filters but `without`.
    kind names the multi-valued column (modality, tag) grouped by, whose rows of every value
    are read. The tag's id is a subquery of the sum itself: no look-up of its own; a slug no tag
    has gives NULL, which no row matches."""
    data, active = form.cleaned_data, form.active()
    chosen = {name for name in active if name != without}
    clauses = ["f.modality > %s" if kind == "modality" else "f.modality = %s"]
    params = [data["modality"].pk if "modality" in chosen else NONE]
    if kind == "tag" or "tag" not in chosen:
        clauses.append("f.tag > %s" if kind == "tag" else "f.tag = %s")
        params.append(NONE)
    else:
        clauses.append(f"f.tag = (SELECT id FROM {Tag._meta.db_table} WHERE slug = %s)")
        params.append(data["tag"])
    for name in ("anatomy", "category"):
        if name in chosen:
            clauses.append(f"f.{name} = %s")
            params.append(data[name].pk)
    if "difficulty" in chosen:
        clauses.append("f.difficulty = %s")
        params.append(data["difficulty"])
    if "age" in chosen:
        bands = bands_of(data["age"])
        clauses.append(f"f.age_band IN ({', '.join(['%s'] * len(bands))})")
        params += bands
    return " AND ".join(clauses), params
