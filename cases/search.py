"""Full-text search of browse pages: the one place that knows which database does it.

PostgreSQL ranks: each case stores two weighted tsvectors (Case.search_standard and
Case.search_academic), recomputed by update_vectors() whenever the case or its rows change
(cases/signals.py). A case matches when its vector matches the query, or, to forgive
misspellings, when the query is trigram-similar to a visible title/diagnosis (standard) or
history (academic). SQLite, for development, has neither: there each word of the query must
appear in one of the fields the workflow may search, and results keep the normal sort.

The academic workflow searches only what it shows (cases.workflows.HIDDEN_IN_ACADEMIC): its
vector is built from the history, anatomy, modalities, age and sex, never from the answer, so a
search can neither find, rank, count nor highlight a case by a hidden word.
"""

import re

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.html import format_html, format_html_join

from cases.ages import AGE_GROUPS
from cases.models import Case, Differential, Study
from cases.workflows import STANDARD

CONFIG = "english"
# A misspelt word matches when its word_similarity to the best-matching stretch of the text
# reaches pg_trgm.word_similarity_threshold, left at pg_trgm's default of 0.6: "osteosarkoma"
# finds "osteosarcoma" (0.77) without matching every text that shares a short word with it.
MAX_FUZZY_WORDS = 8  # bounds the SQL a long query builds
RELEVANCE = ("-rank", "-id")  # a total order, so previous/next by keyset is well defined
START, STOP = "\x02", "\x03"  # highlight markers: control characters no case text holds

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


def ranks():
    """Whether this database ranks by relevance (PostgreSQL) or keeps the normal sort."""
    return connection.vendor == "postgresql"


def search(queryset, q, workflow):
    """The cases of queryset that match q in what the workflow may search; on PostgreSQL
    annotated with `rank` and ordered by relevance, elsewhere in the queryset's order."""
    if not q.split():
        return queryset
    if ranks():
        return _matching_vector(queryset, q, workflow).order_by(*RELEVANCE)
    return _containing_each_word(queryset, q.split(), workflow)


def _query(q):
    return SearchQuery(q, config=CONFIG, search_type="websearch")


def fuzzy_text(workflow):
    """The text a misspelt word is matched against: what the workflow shows of the answer
    (standard) or the history (academic). Migration 0007 indexes these very expressions with
    gin_trgm_ops, so they must stay as they are or change together with a new migration."""
    if workflow == STANDARD:
        return Concat("title", Value(" "), "diagnosis", output_field=TextField())
    return F("history")


def _matching_vector(queryset, q, workflow):
    vector = "search_standard" if workflow == STANDARD else "search_academic"
    visible = fuzzy_text(workflow)
    query = _query(q)
    # Like the full-text query, the misspelling fallback wants every word: each one close to
    # some stretch of the visible text. `text %> word` is word_similarity(word, text) above
    # pg_trgm.word_similarity_threshold (0.6, above): an operator the trigram
    # index answers, where comparing word_similarity() with a number reads every row.
    each_word_close = Q(*(
        Q(fuzzy__trigram_word_similar=word) for word in q.split()[:MAX_FUZZY_WORDS]
    ))
    return (
        queryset.alias(fuzzy=visible)
        .filter(Q(**{vector: query}) | each_word_close)
        # Double precision, so the rank read back for previous/next compares equal.
        .annotate(rank=Cast(
            Coalesce(SearchRank(F(vector), query), 0.0) + TrigramWordSimilarity(q, visible),
            FloatField(),
        ))
    )


def _containing_each_word(queryset, words, workflow):
    for word in words:
        queryset = queryset.filter(_contains(word, workflow))
    return queryset


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
        tagged = Case.objects.filter(pk=OuterRef("pk"), tags__name__icontains=word)
        match |= Exists(differentials) | Exists(tagged)
    return match


# --- snippets (standard only) -----------------------------------------------------------------


def with_snippets(queryset, q, workflow):
    """Annotate `headline`: the diagnosis, findings and discussion around the words of q, for
    the standard workflow on PostgreSQL. Academic cards show no snippet: it would be the answer."""
    if workflow != STANDARD or not ranks() or not q.split():
        return queryset
    findings = (
        Study.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(text=StringAgg("findings", delimiter=" "))
        .values("text")
    )
    text = Concat(
        "diagnosis", Value(". "), Coalesce(Subquery(findings), Value(""), output_field=TextField()),
        Value(" "),
        "discussion", output_field=TextField(),
    )
    headline = SearchHeadline(
        text, _query(q), config=CONFIG, start_sel=START, stop_sel=STOP, max_fragments=2
    )
    return queryset.annotate(headline=headline)


def snippet_html(headline):
    """The headline as HTML: every character escaped, the matched words in <mark>."""
    if not headline:
        return ""
    pieces = re.split(f"{START}(.*?){STOP}", headline, flags=re.DOTALL)
    # re.split alternates text and highlighted words: text, word, text, ..., text.
    html = [format_html("{}", piece) if n % 2 == 0 else format_html("<mark>{}</mark>", piece)
            for n, piece in enumerate(pieces)]
    return format_html_join("", "{}", ((piece,) for piece in html))


# --- stored vectors ---------------------------------------------------------------------------


def update_vectors(case):
    """Recompute the case's two vectors in one UPDATE, from texts gathered here (PostgreSQL).
    Read afresh: the instance a signal hands over may hold stale prefetched rows."""
    refresh(case.pk)


def update_vectors_of(cases):
    """The same for many cases: their related rows in 4 queries, the vectors in write_vectors()."""
    if not ranks() or not cases:
        return
    prefetch_related_objects(cases, "studies__modality", "differentials", "tags")
    write_vectors({case.pk: weighted_texts(case) for case in cases})


# The texts, weighted, in the order of the columns of _update_sql's VALUES list.
STANDARD_WEIGHTS = ("A", "B", "C", "D")
ACADEMIC_WEIGHTS = ("A", "B")
VECTOR_BATCH = 1000


def write_vectors(texts):
    """Store the vectors of {case id: weighted_texts()}: one UPDATE per VECTOR_BATCH cases, which
    joins the cases to their texts (generate_cases writes thousands at a time)."""
    rows = [
        (pk, *(standard[w] for w in STANDARD_WEIGHTS), *(academic[w] for w in ACADEMIC_WEIGHTS))
        for pk, (standard, academic) in texts.items()
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), VECTOR_BATCH):
            batch = rows[start:start + VECTOR_BATCH]
            cursor.execute(_update_sql(len(batch)), [value for row in batch for value in row])


def _update_sql(count):
    """UPDATE ... FROM (VALUES ...): the same setweight(to_tsvector()) sums vector() builds, for
    many cases at once. (bulk_update writes one CASE WHEN id = ... branch per case, which
    PostgreSQL walks for every row: quadratic in the batch.)"""
    def weighted(columns, weights):
        return " || ".join(
            f"setweight(to_tsvector('{CONFIG}', coalesce(v.{column}, '')), '{weight}')"
            for column, weight in zip(columns, weights)
        )

    standard = [f"s{w.lower()}" for w in STANDARD_WEIGHTS]
    academic = [f"a{w.lower()}" for w in ACADEMIC_WEIGHTS]
    row = "(%s::bigint" + ", %s::text" * (len(standard) + len(academic)) + ")"
    return (
        f"UPDATE {Case._meta.db_table} AS c SET "
        f"search_standard = {weighted(standard, STANDARD_WEIGHTS)}, "
        f"search_academic = {weighted(academic, ACADEMIC_WEIGHTS)} "
        f"FROM (VALUES {', '.join([row] * count)}) AS v(id, {', '.join(standard + academic)}) "
        "WHERE c.id = v.id"
    )


def refresh(case_id):
    """Recompute the vectors of the case with this id, if it (still) exists."""
    if ranks():
        fresh = Case.objects.filter(pk=case_id).select_related("anatomy", "category")
        update_vectors_of(list(fresh))


def vector(texts):
    vectors = [
        SearchVector(Value(text, output_field=TextField()), weight=weight, config=CONFIG)
        for weight, text in texts.items()
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def weighted_texts(case):
    """({weight: text} for the standard vector, {weight: text} for the academic one), from the
    case's prefetched studies (with modality), differentials and tags."""
    return texts_of(case, case.studies.all(), case.differentials.all(), case.tags.all())


def texts_of(case, studies, differentials, tags):
    """weighted_texts() from rows given: generate_cases holds them in memory already.

    Academic holds only what academic pages show: history, anatomy, modalities, age and sex."""
    modalities = [f"{study.modality.code} {study.modality.name}" for study in studies]
    anatomy = case.anatomy.name if case.anatomy_id else ""
    category = case.category.name if case.category_id else ""
    standard = {
        "A": _join(case.title, case.unknown_title, case.diagnosis),
        "B": _join(*(study.findings for study in studies), case.discussion,
                   *(item.diagnosis for item in differentials)),
        "C": case.history,
        "D": _join(anatomy, category, *modalities, *(tag.name for tag in tags)),
    }
    academic = {"A": case.history, "B": _join(anatomy, *modalities, *_age_and_sex_words(case))}
    return standard, academic


def _age_and_sex_words(case):
    words = []
    if case.age_value is not None and case.age_unit:
        words.append(f"{case.age_value} {Case.AgeUnit(case.age_unit).label}")
    if case.age_days is not None:
        words += [key for key, _, low, high in AGE_GROUPS
                  if case.age_days >= low and (high is None or case.age_days < high)]
    if case.sex and case.sex != Case.Sex.UNKNOWN:
        words.append(Case.Sex(case.sex).label)
    return words


def _join(*texts):
    return " ".join(text for text in texts if text)
