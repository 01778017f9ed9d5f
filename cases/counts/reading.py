"""Counts read from cases.models.FacetCount: the number of cases a browse form's filters select,
the facet counts beside them, the tags among them and the homepage's statistics. Each is a sum
over the few rows that match (one query, a few milliseconds at 100,000 cases), exact as long as
every change went through cases/derived.py (`manage.py recount_cases` rebuilds them otherwise).

A search, a filter by author or a reader's own filter (cases/memory.py) selects cases no
combination of facet values describes: covers() is false for those forms. authored.py counts an
author among filters alone; cases/estimates.py the others."""

from collections import Counter, defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Subquery, Sum
from taggit.models import Tag

from cases.counts.bands import bands_of, groups_from
from cases.models import Case, CountedCase, FacetCount
from cases.models.counts import NONE
from cases.workflows import STANDARD

# Filters whose values are columns of the counts, and the facets (cases/facets.py) among them.
ROW_FACETS = {"anatomy": "anatomy", "category": "category", "difficulty": "difficulty",
              "age": "age_band"}


def covers(form):
    """Whether the counts answer this (valid) form: no search, author or reader's own filter."""
    active = form.active()
    return not form.search_text().split() and not {"memory", "author"} & set(active)


def total(form):
    """How many published cases the form's filters select."""
    return FacetCount.objects.filter(**_conditions(form)).aggregate(n=Sum("cases"))["n"] or 0


def facet_counts(form, workflow):
    """{facet: {value: count}}, as cases.facets.facet_counts() gives from the cases: each facet
    counts the cases choosing each of its values would select. The facets whose own filter is
    not chosen share one query (grouped by every row facet at once, summed here)."""
    names = [name for name in ROW_FACETS if name != "category" or workflow == STANDARD]
    together = defaultdict(list)  # without which filter: the facets not chosen share None
    for name in names:
        together[name if name in form.active() else None].append(name)
    counts = {}
    for without, facets in together.items():
        counts.update(_row_facets(_conditions(form, without=without), facets))
    modalities = _conditions(form, without="modality", kind="modality")
    counts["modality"] = _summed(modalities, "modality")
    return counts


def top_tags(form, limit):
    """[(slug, name, count)] of the tags most used among the cases the other filters select:
    like a facet, what choosing each tag would give."""
    return named_top(_summed(_conditions(form, without="tag", kind="tag"), "tag"), limit)


def named_top(by_tag, limit):
    """[(slug, name, count)] of the `limit` tags with the most cases in {tag id: count}, the
    most used first, then by name."""
    names = {pk: (slug, name) for pk, slug, name
             in Tag.objects.filter(pk__in=by_tag).values_list("pk", "slug", "name")}
    ranked = sorted((pk for pk in by_tag if pk in names),
                    key=lambda pk: (-by_tag[pk], names[pk][1]))
    return [(*names[pk], by_tag[pk]) for pk in ranked[:limit]]


def parts_among(among):
    """({modality id: cases}, {tag id: cases}) among the published cases that the condition
    `among` (on the case id) selects, from what each was last counted as (CountedCase): one
    read by primary key, where counting through the studies and through taggit's items took
    two joins (13-18 ms for a sample of 1,000 cases at 100,000)."""
    rows = list(CountedCase.objects.filter(among).values_list("modalities", "tags"))
    return _counted(row[0] for row in rows), _counted(row[1] for row in rows)


def _counted(listed):
    """{id: how many of the texts list it} of texts of comma-separated ids: counted as the text
    of each id, in one split and one count of them all (Counter.update per case cost ~2 ms for
    1,000 cases), turned into numbers once per distinct id."""
    joined = ",".join(text for text in listed if text)
    return {int(pk): n for pk, n in Counter(joined.split(",")).items()} if joined else {}


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


def _row_facets(conditions, facets):
    columns = [ROW_FACETS[name] for name in facets]
    rows = FacetCount.objects.filter(**conditions).values_list(*columns).annotate(n=Sum("cases"))
    counts = {name: defaultdict(int) for name in facets}
    for *values, n in rows.order_by():
        for name, value in zip(facets, values, strict=True):
            counts[name][value] += n
    if "age" in counts:
        counts["age"] = groups_from(counts["age"])
    for name in ("anatomy", "category"):
        if name in counts:  # 0 is "none", which no option offers
            counts[name] = {pk: n for pk, n in counts[name].items() if pk != NONE}
    return {name: dict(by_value) for name, by_value in counts.items()}


def _summed(conditions, column):
    rows = FacetCount.objects.filter(**conditions).values_list(column).annotate(n=Sum("cases"))
    return dict(rows.order_by())


def _conditions(form, without=None, kind=None):
    """Lookups on FacetCount for the form's filters but `without`. kind names the multi-valued
    column (modality, tag) grouped by, whose rows of every value are read."""
    data, active = form.cleaned_data, form.active()
    chosen = {name for name in active if name != without}
    conditions = {
        "modality": data["modality"].pk if "modality" in chosen else NONE,
        "tag": _tag_id(data["tag"]) if "tag" in chosen else NONE,
    }
    if kind:
        conditions.pop(kind)
        conditions[f"{kind}__gt"] = NONE
    if "anatomy" in chosen:
        conditions["anatomy"] = data["anatomy"].pk
    if "category" in chosen:
        conditions["category"] = data["category"].pk
    if "difficulty" in chosen:
        conditions["difficulty"] = data["difficulty"]
    if "age" in chosen:
        conditions["age_band__in"] = tuple(bands_of(data["age"]))
    return conditions


def _tag_id(slug):
    """The tag's id as a subquery of the sum itself: no look-up of its own before each of the
    page's sums. A slug no tag has gives NULL, which no row matches."""
    return Subquery(Tag.objects.filter(slug=slug).values("pk")[:1])
