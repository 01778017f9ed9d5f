"""A case card as it was built and rendered before cards read only what they show: the whole
case row, present() with Case.modalities() and get_FOO_display(), reverse() for each URL, and
the card template as it was (card_before.html) with `time_ago` through date_format().
tests/cases/test_card_html.py renders cards this way and the site's way, and compares them
byte for byte.

This module is also the template library card_before.html loads as "cases_tags": the tags as
they were."""

from pathlib import Path

from django import template
from django.db.models import Prefetch
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from cases.models import Case, Study
from cases.templatetags.cases_tags import distance_in_words
from cases.workflows import STANDARD, CaseView

register = template.Library()

TEMPLATES = Path(__file__).resolve().parent  # card_before.html: _card.html as it was


@register.simple_tag
def time_ago(moment):
    if moment is None:
        return ""
    seconds = max(0, (timezone.now() - moment).total_seconds())
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{} ago</time>',
        local.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        distance_in_words(seconds),
    )


@register.simple_tag(takes_context=True)
def with_query(context, url, querystring=None):
    querystring = context.get("querystring", "") if querystring is None else querystring
    return f"{url}?{querystring}" if querystring else url


class CardBefore(CaseView):
    def get_absolute_url(self):
        return reverse("cases:detail", args=[self.workflow, self.pk])


def cases_before(ids):
    """The cases as the cards' query read them: every column but the search vectors."""
    cards = Case.objects.filter(pk__in=ids).defer("search_standard", "search_academic")
    return cards.select_related("anatomy", "category", "author").prefetch_related(
        Prefetch("studies", Study.objects.select_related("modality"))
    )


def card_before(case, workflow, snippet="", mark_slot=""):
    shows_answer = workflow == STANDARD
    card = CardBefore(
        pk=case.pk,
        workflow=workflow,
        heading=case.title if shows_answer else (case.unknown_title or case.number),
        history=case.history,
        age=case.age_display,
        sex=case.get_sex_display() if case.sex != case.Sex.UNKNOWN else "",
        anatomy=case.anatomy,
        author=case.author,
        difficulty=case.get_difficulty_display(),
        created=case.created,
        updated=case.updated,
        modalities=case.modalities(),
        cover_url=(
            reverse("viewer:image_file", args=[case.cover_image_id, "thumbnail"])
            if case.cover_image_id
            else ""
        ),
        snippet=snippet,
    )
    if shows_answer:
        card.title = case.title
        card.category = case.category
    card.mark_slot = mark_slot
    return card


def render_before(cards, querystring=""):
    """The cards' HTML as the browse page's loop rendered them, one include a card."""
    engine = Engine(dirs=[TEMPLATES], libraries={"cases_tags": "tests.cases.cards_before"})
    card_template = engine.get_template("card_before.html")
    return "".join(
        card_template.render(Context({"card": card, "querystring": querystring}))
        for card in cards
    )
