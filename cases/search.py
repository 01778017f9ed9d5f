"""Full-text search of browse pages: the one place that knows which database does it.

PostgreSQL ranks: each case stores two weighted tsvectors (Case.search_standard and
Case.search_academic), recomputed by refresh() whenever the case or its rows change
(cases/derived.py). A case matches when its vector matches the query, or, to forgive
misspellings, when the query is trigram-similar to a visible title/diagnosis (standard) or
history (academic). SQLite, for development and small sites, has neither: there each word of
the query, or a word of published cases close to it (near_words), must appear in one of the
fields the workflow may search (cases/sqlite_search.py), and results keep the normal sort.

The academic workflow searches only what it shows (cases.workflows.HIDDEN_IN_ACADEMIC): its
vector is built from the history, anatomy, modalities, age and sex, never from the answer, so a
search can neither find, rank, count nor highlight a case by a hidden word.
"""

import re

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchQueryCombinable,
    SearchQueryField,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.html import format_html, format_html_join

from cases import sqlite_search
from cases.ages import AGE_GROUPS
from cases.estimates import planned_rows
from cases.grading import american
from cases.models import Case, Study
from cases.workflows import STANDARD

CONFIG = "english"
RELEVANCE = ("-rank", "-id")  # a total order, so previous/next by keyset is well defined
START, STOP = "\x02", "\x03"  # highlight markers: control characters no case text holds

def ranks():
    """Whether this database ranks by relevance (PostgreSQL) or keeps the normal sort."""
    return connection.vendor == "postgresql"


def search(queryset, q, workflow, near=""):
    """The cases of queryset that match q in what the workflow may search; on PostgreSQL
    annotated with `rank` and ordered by relevance, elsewhere in the queryset's order.

    near is near_lexemes(q, workflow): the same for every queryset of one page, so a form reads
    it once and passes it to each of its searches."""
    if not q.split():
        return queryset
    if ranks():
        return _matching_vector(queryset, q, workflow, near).order_by(*RELEVANCE)
    return sqlite_search.containing_each_word(queryset, q.split(), workflow)


# Ranking reads each matching case's vector (most are TOASTed) to score it: ~15 µs a case, so
# 69,000 cases matching "pain" took 1.1 s to put the best 24 first. Above this many cases (as
# PostgreSQL estimates from its statistics of the lexemes), results are newest first instead,
# which the case_newest index serves by reading only the cases shown.
RANK_AT_MOST = 2000


def worth_ranking(queryset):
    """Whether the cases a search selects are few enough to rank (RANK_AT_MOST), by the
    planner's estimate."""
    return planned_rows(queryset) <= RANK_AT_MOST


def _query(q):
    """The words of q, or the same words in American spelling (the texts may hold either)."""
    query = SearchQuery(q, config=CONFIG, search_type="websearch")
    americanised = americanise(q)
    if americanised != q:
        query = query | SearchQuery(americanised, config=CONFIG, search_type="websearch")
    return query


def americanise(q):
    """q with each word in American spelling, its search syntax (quotes, or, -) kept."""
    return re.sub(r"[^\W\d_]+", lambda word: american(word.group().lower()), q)


class LexemeQuery(SearchQueryCombinable, Func):
    """A tsquery written in tsquery syntax, cast as it is: lexemes read from the lexicon are
    already normalised, and to_tsquery() would stem them a second time."""

    template = "%(expressions)s::tsquery"
    output_field = SearchQueryField()

    def __init__(self, text):
        super().__init__(Value(text, output_field=TextField()))


class WeightA(Func):
    """The lexemes of weight A of a vector: ts_filter(vector, '{a}'), the expression the GIN
    indexes of migration 0020 are built on, written as they are so that the planner uses them."""

    template = "ts_filter(%(expressions)s, '{a}')"
    output_field = SearchVectorField()


class Matches(Func):
    """vector @@ query, for a vector an expression computes (a lookup wants a field)."""

    arg_joiner = " @@ "
    template = "%(expressions)s"
    output_field = BooleanField()


def _matching_vector(queryset, q, workflow, near):
    vector = "search_standard" if workflow == STANDARD else "search_academic"
    query = _query(q)
    matching = Q(**{vector: query})
    if near:
        # The same cases as `vector @@ (query | near)`, but GIN indexes ignore weights, so
        # that form made PostgreSQL read each candidate's vector to check the weight: the
        # near lexemes are looked up, unweighted, in the index of the weight-A lexemes.
        matching |= Q(Matches(WeightA(F(vector)), LexemeQuery(_unweighted(near))))
        query = query | LexemeQuery(near)
    return (
        queryset.filter(matching)
        # Double precision, so the rank read back for previous/next compares equal.
        .annotate(rank=Cast(SearchRank(F(vector), query), FloatField()))
    )


def _unweighted(near):
    """near_lexemes()'s tsquery without its weights: 'osteosarcoma':A becomes 'osteosarcoma'."""
    return re.sub(f"('(?:[^']|'')*'):{LEXICON_WEIGHT}", r"\1", near)


# --- misspelt words: the lexicon ------------------------------------------------------------
#
# LEXICON holds, per workflow, every distinct lexeme of weight A in the vectors: the title,
# unknown title and diagnosis (standard) or the history (academic), the text a misspelt word was
# compared with before. It is small (hundreds to tens of thousands of rows, against a row per
# case), so finding the lexemes near a misspelt word is a trigram look-up in it, and the search
# that follows is an ordinary @@ on the vector's GIN index, instead of a trigram comparison with
# the text of every case. Kept by write_vectors(); a lexeme no case holds any more stays (it
# matches nothing), until generate_cases or migration 0008 rebuild it.

LEXICON = "cases_search_lexeme"
# A misspelt word matches a lexeme whose word_similarity to the word's stem reaches
# pg_trgm.word_similarity_threshold, pg_trgm's default of 0.6: "osteosarkoma" finds
# "osteosarcoma" (0.69) without matching every lexeme that shares a short stretch with it.
MAX_FUZZY_WORDS = 8  # bounds the SQL a long query builds
MAX_NEAR = 5  # lexemes a misspelt word may stand for, the nearest first
LEXICON_WEIGHT = "A"
VECTORS = {STANDARD: "search_standard", "academic": "search_academic"}

_NEAR_SQL = f"""
SELECT w.n, near.lexeme
FROM unnest(%s::text[]) WITH ORDINALITY AS w(word, n)
CROSS JOIN LATERAL unnest(to_tsvector('{CONFIG}', w.word)) AS stem
LEFT JOIN LATERAL (
    SELECT l.lexeme FROM {LEXICON} AS l
    WHERE l.workflow = %s AND l.lexeme %%> stem.lexeme
    ORDER BY word_similarity(stem.lexeme, l.lexeme) DESC, l.lexeme
    LIMIT {MAX_NEAR}
) AS near ON TRUE
"""


def near_lexemes(q, workflow):
    """A tsquery (text) of the lexemes of weight A close to each word of q, or "" when some word
    has none: ('osteosarcoma':A | ...) & (...), every word close to something, as the full-text
    query wants every word. Words without a lexeme of their own (stop words) are left out. One
    query, PostgreSQL only."""
    words = q.split()[:MAX_FUZZY_WORDS]
    if not ranks() or not words:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(_NEAR_SQL, [words, workflow])
        rows = cursor.fetchall()
    # A row per stem of each word (none for a stop word), its lexeme None when none is near.
    by_word = {n: [] for n, _ in rows}
    for n, lexeme in rows:
        if lexeme is not None:
            by_word[n].append(f"{_quoted(lexeme)}:{LEXICON_WEIGHT}")
    if not by_word or not all(by_word.values()):
        return ""
    return " & ".join(f"({' | '.join(sorted(set(by_word[n])))})" for n in sorted(by_word))


def _quoted(lexeme):
    """A lexeme as a tsquery operand: quoted, its quotes and backslashes doubled."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _lexicon_sql(workflow, ids_condition):
    return (
        f"INSERT INTO {LEXICON} (workflow, lexeme) "
        f"SELECT DISTINCT '{workflow}', l.lexeme FROM {Case._meta.db_table} AS c, "
        f"unnest(c.{VECTORS[workflow]}) AS l "
        f"WHERE {ids_condition} AND '{LEXICON_WEIGHT}' = ANY(l.weights) "
        "ON CONFLICT DO NOTHING"
    )


def add_to_lexicon(cursor, ids=None):
    """Add the weight-A lexemes of these cases (of every case, without ids) to the lexicon."""
    for workflow in VECTORS:
        if ids is None:
            cursor.execute(_lexicon_sql(workflow, "TRUE"))
        else:
            cursor.execute(_lexicon_sql(workflow, "c.id = ANY(%s)"), [list(ids)])


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


def update_vectors_of(cases):
    """The same for many cases: their related rows in 4 queries, the vectors in write_vectors()."""
    if not ranks() or not cases:
        return
    prefetch_related_objects(
        cases, "studies__modality", "differentials", "tags", "accepted_answers"
    )
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
            add_to_lexicon(cursor, [row[0] for row in batch])


def _update_sql(count):
    """UPDATE ... FROM (VALUES ...): the same setweight(to_tsvector()) sums vector() builds, for
    many cases at once. (bulk_update writes one CASE WHEN id = ... branch per case, which
    PostgreSQL walks for every row: quadratic in the batch.)"""
    def weighted(columns, weights):
        return " || ".join(
            f"setweight(to_tsvector('{CONFIG}', coalesce(v.{column}, '')), '{weight}')"
            for column, weight in zip(columns, weights, strict=True)
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
    """Recompute the vectors of the case with this id, if it (still) exists, from its rows read
    afresh (PostgreSQL)."""
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
    case's prefetched studies (with modality), differentials, tags and accepted answers."""
    return texts_of(
        case, case.studies.all(), case.differentials.all(), case.tags.all(),
        accepted=case.accepted_answers.all(),
    )


def texts_of(case, studies, differentials, tags, accepted=()):
    """weighted_texts() from rows given: generate_cases holds them in memory already.

    Accepted answers weigh as the diagnosis they restate (a search for "SCFE" finds the slipped
    capital femoral epiphysis). Academic holds only what academic pages show: history, anatomy,
    modalities, age and sex."""
    modalities = [f"{study.modality.code} {study.modality.name}" for study in studies]
    anatomy = case.anatomy.name if case.anatomy_id else ""
    category = case.category.name if case.category_id else ""
    standard = {
        "A": _join(case.title, case.unknown_title, case.diagnosis,
                   *(item.answer for item in accepted)),
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
