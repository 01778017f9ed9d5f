"""Facet counts beside the browse filters: how many of the cases found have each value.

Each facet is one query over the cases the page found (the search and the other filters
applied), so a page costs the same however many cases there are. Facets on fields the academic workflow hides
(category, tag) are counted for the standard workflow only.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q

from cases.ages import AGE_GROUPS
from cases.models import Case, Study
from cases.workflows import STANDARD

TOP_TAGS = 20


def facet_counts(select, workflow):
    """{filter name: {value: count}} for the select filters of the workflow's browse form.

    select(name) is the cases found with every filter but `name` applied, so a facet counts what
    choosing each of its values would give: with Chest chosen, Neuro still shows its count."""
    counts = {
        "anatomy": _by(select("anatomy"), "anatomy"),
        "modality": _modalities(select("modality")),
        "age": _age_groups(select("age")),
        "difficulty": _by(select("difficulty"), "difficulty"),
    }
    if workflow == STANDARD:
        counts["category"] = _by(select("category"), "category")
    return counts


def _by(cases, field):
    rows = cases.order_by().values(field).annotate(n=Count("pk")).order_by()
    return {row[field]: row["n"] for row in rows}


def _modalities(cases):
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
