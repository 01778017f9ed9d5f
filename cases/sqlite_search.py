"""Search on SQLite (development and small sites), which has neither full-text vectors nor
trigrams: each word of the query, in its American spelling too, or a word of published cases
close to it (near_words), must appear in one of the fields the workflow may search. Results keep
the normal sort. cases/search.py, the one place that knows which database searches, calls it."""

import difflib
import re

from django.db.models import Exists, OuterRef, Q

from cases.caching import content_version, fetch
from cases.grading import american
from cases.models import AcceptedAnswer, Case, Differential, Study
from cases.workflows import STANDARD

MAX_NEAR = 5  # words a misspelt word may stand for, the nearest first

# SQLite: the fields each workflow may search, on the case and on its studies.
CASE_FIELDS = {
    "academic": ["history", "anatomy__name"],
    STANDARD: [
        "history", "anatomy__name", "title", "unknown_title", "diagnosis", "discussion",
        "category__name",
    ],
}
STUDY_FIELDS = {
    "academic": ["modality__code", "modality__name"],
    STANDARD: ["modality__code", "modality__name", "findings"],
}


def containing_each_word(queryset, words, workflow):
    for word in words:
        match = Q()
        spellings = {word, american(word.lower())}
        for spelling in [*spellings, *near_words(word, workflow)]:
            match |= _contains(spelling, workflow)
        queryset = queryset.filter(match)
    return queryset


# SQLite has no trigrams: misspelt words are compared, with difflib's ratio, with the words the
# workflow may search in published cases (academic: never a hidden field's), read once per
# content version. "leukaemia" finds "leukemia" (0.94), "osteosarkoma" "osteosarcoma" (0.92).
NEAR_RATIO = 0.8
NEAR_MIN_LENGTH = 4  # shorter words have too many near neighbours to mean anything
WORD = re.compile(r"[^\W\d_]{4,}")


def near_words(word, workflow):
    """Up to MAX_NEAR words of published cases close to word (SQLite; itself excluded)."""
    word = word.lower()
    if len(word) < NEAR_MIN_LENGTH:
        return []
    key = f"cases:search-words:{workflow}:{content_version()}"
    lexicon, _ = fetch(key, lambda: (_visible_words(workflow), True))
    return [near for near in difflib.get_close_matches(word, lexicon, MAX_NEAR + 1, NEAR_RATIO)
            if near != word][:MAX_NEAR]


def _visible_words(workflow):
    published = Case.objects.published()
    texts = []
    for field in CASE_FIELDS[workflow]:
        texts += published.values_list(field, flat=True).distinct()
    for field in STUDY_FIELDS[workflow]:
        texts += Study.objects.filter(case__in=published).values_list(field, flat=True).distinct()
    if workflow == STANDARD:
        texts += Differential.objects.filter(case__in=published).values_list("diagnosis", flat=True)
        texts += AcceptedAnswer.objects.filter(case__in=published).values_list("answer", flat=True)
        texts += published.values_list("tags__name", flat=True).distinct()
    return sorted({word.lower() for text in texts if text for word in WORD.findall(text)})


def _contains(word, workflow):
    def any_of(fields):
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__icontains": word})
        return match

    studies = Study.objects.filter(any_of(STUDY_FIELDS[workflow]), case=OuterRef("pk"))
    match = any_of(CASE_FIELDS[workflow]) | Exists(studies)
    if workflow == STANDARD:
        differentials = Differential.objects.filter(case=OuterRef("pk"), diagnosis__icontains=word)
        accepted = AcceptedAnswer.objects.filter(case=OuterRef("pk"), answer__icontains=word)
        tagged = Case.objects.filter(pk=OuterRef("pk"), tags__name__icontains=word)
        match |= Exists(differentials) | Exists(accepted) | Exists(tagged)
    return match
