"""Searching browse pages with ?q=: with every filter, sort, previous/next and random, on both
databases; and never, in the academic workflow, by a word only the answer holds.

Every hidden field of one case holds a unique word; the academic workflow must not find, count
or highlight the case by any of them, while the standard workflow finds it by each.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.models import AcceptedAnswer, Case, DiagnosticCategory, Differential
from cases.search import START, STOP, snippet_html
from tests.factories import make_case
from tests.pages import html_of, text_of

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ranking and misspellings need PostgreSQL"
)

HIDDEN_WORDS = {
    "title": "zebrafinch",
    "diagnosis": "quillwort",
    "findings": "marmoset",
    "discussion": "pangolin",
    "differential": "okapi",
    "tag": "axolotl",
    "caption": "narwhal",
    "category": "lemurgroup",
    "accepted answer": "tapirosis",
}
HISTORY_WORD = "wombat"


@pytest.fixture
def secret_case(alice):
    category = DiagnosticCategory.objects.create(name=HIDDEN_WORDS["category"], slug="lemurgroup")
    case = make_case(
        alice,
        category=category,
        title=f"The {HIDDEN_WORDS['title']} sign",
        unknown_title="Wrist pain after a fall",
        diagnosis=f"Fracture with {HIDDEN_WORDS['diagnosis']}",
        findings=f"Lucency like a {HIDDEN_WORDS['findings']}.",
        discussion=f"Think of a {HIDDEN_WORDS['discussion']}.",
        history=f"Tripped over a {HISTORY_WORD} at the zoo.",
        tags=[HIDDEN_WORDS["tag"]],
        captions=[f"Arrow at the {HIDDEN_WORDS['caption']}"],
    )
    Differential.objects.create(case=case, diagnosis=f"{HIDDEN_WORDS['differential']} lesion")
    AcceptedAnswer.objects.create(case=case, answer=f"{HIDDEN_WORDS['accepted answer']} (wrist)")
    return case


@pytest.fixture
def other_case(bob):
    """A case that matches none of the words."""
    return make_case(bob, anatomy="chest", title="Pneumonia", diagnosis="Lobar pneumonia",
                     history="Cough and fever.")


def browse(workflow, **params):
    response = Client().get(reverse("cases:browse", args=[workflow]), params)
    assert response.status_code == 200
    return response


def listed(response):
    return [card.pk for card in response.context["cards"]]


@pytest.mark.parametrize("field", HIDDEN_WORDS)
def test_academic_search_never_finds_a_case_by_a_hidden_word(secret_case, other_case, field):
    response = browse("academic", q=HIDDEN_WORDS[field])
    assert listed(response) == []
    assert "0 cases" in text_of(response)
    assert "card-snippet" not in response.content.decode()
    assert "<mark>" not in response.content.decode()


@pytest.mark.parametrize("field", [f for f in HIDDEN_WORDS if f != "caption"])
def test_standard_search_finds_a_case_by_each_word_of_its_answer(secret_case, other_case, field):
    response = browse("standard", q=HIDDEN_WORDS[field])
    assert listed(response) == [secret_case.pk]
    assert "1 case" in text_of(response)


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_both_workflows_find_a_case_by_its_history(secret_case, other_case, workflow):
    assert listed(browse(workflow, q=HISTORY_WORD)) == [secret_case.pk]
    assert listed(browse(workflow, q="fever")) == [other_case.pk]


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_every_word_must_match(secret_case, other_case, workflow):
    assert listed(browse(workflow, q=f"{HISTORY_WORD} zoo")) == [secret_case.pk]
    assert listed(browse(workflow, q=f"{HISTORY_WORD} fever")) == []


def test_academic_search_does_not_combine_a_history_word_with_a_hidden_one(secret_case):
    assert listed(browse("standard", q=f"{HISTORY_WORD} {HIDDEN_WORDS['diagnosis']}")) == [
        secret_case.pk
    ]
    assert listed(browse("academic", q=f"{HISTORY_WORD} {HIDDEN_WORDS['diagnosis']}")) == []


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_academic_search_finds_anatomy_and_modality(secret_case, other_case, workflow):
    assert listed(browse(workflow, q="musculoskeletal")) == [secret_case.pk]
    assert set(listed(browse(workflow, q="CR"))) == {secret_case.pk, other_case.pk}


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_search_combines_with_filters_and_keeps_them_in_links(secret_case, other_case, workflow):
    assert listed(browse(workflow, q=HISTORY_WORD, anatomy="chest")) == []
    response = browse(workflow, q=HISTORY_WORD, anatomy="musculoskeletal", modality="CR")
    assert listed(response) == [secret_case.pk]
    assert response.context["querystring"] == (
        f"q={HISTORY_WORD}&anatomy=musculoskeletal&modality=CR"
    )
    assert f"/{workflow}/cases/{secret_case.pk}/?q={HISTORY_WORD}&anatomy=musculoskeletal" in (
        html_of(response)
    )


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_search_with_an_explicit_sort_keeps_that_sort(alice, workflow):
    older = make_case(alice, history="Limping wombat keeper.")
    newer = make_case(alice, history="Another wombat keeper.")
    assert listed(browse(workflow, q=HISTORY_WORD, sort="oldest")) == [older.pk, newer.pk]
    assert listed(browse(workflow, q=HISTORY_WORD, sort="newest")) == [newer.pk, older.pk]


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_previous_and_next_stay_within_the_search(alice, other_case, workflow):
    found = [make_case(alice, history=f"Wombat bite number {n}.") for n in range(3)]
    response = Client().get(found[1].get_absolute_url(workflow), {"q": HISTORY_WORD})
    assert response.status_code == 200
    neighbours = {response.context["previous"], response.context["next"]}
    assert neighbours == {found[0].pk, found[2].pk}
    assert f"/{workflow}/cases/?q={HISTORY_WORD}" in html_of(response)


def test_random_draws_only_among_cases_found(secret_case, other_case):
    url = reverse("cases:random", args=["academic"])
    response = Client().get(url, {"q": HISTORY_WORD})
    assert response.status_code == 302
    assert response["Location"].startswith(secret_case.get_absolute_url("academic"))
    assert Client().get(url, {"q": HIDDEN_WORDS["diagnosis"]}).status_code == 404


def test_facet_counts_label_the_filter_options(secret_case, other_case):
    response = browse("standard", q="CR")
    anatomy = str(response.context["form"]["anatomy"])
    assert "Musculoskeletal (1)" in anatomy and "Chest (1)" in anatomy
    assert "CR – Computed Radiography (2)" in str(response.context["form"]["modality"])
    assert "Child (1–12 years) (2)" in str(response.context["form"]["age"])
    assert "Resident (2)" in str(response.context["form"]["difficulty"])
    assert f"{HIDDEN_WORDS['category']} (1)" in str(response.context["form"]["category"])
    assert f"{HIDDEN_WORDS['tag']} (1)" in text_of(response)
    narrowed = browse("standard", q=HISTORY_WORD)
    assert "Chest (0)" in str(narrowed.context["form"]["anatomy"])


def test_a_facet_leaves_out_its_own_filter(secret_case, other_case):
    """With Chest chosen, Musculoskeletal still shows what choosing it would give."""
    response = browse("standard", q="CR", anatomy="chest")
    anatomy = str(response.context["form"]["anatomy"])
    assert "Musculoskeletal (1)" in anatomy and "Chest (1)" in anatomy
    assert "CR – Computed Radiography (1)" in str(response.context["form"]["modality"])


def test_academic_facets_count_no_hidden_field(secret_case, other_case):
    response = browse("academic", q="CR")
    assert "category" not in response.context["form"].fields
    assert "Musculoskeletal (1)" in str(response.context["form"]["anatomy"])
    body = response.content.decode().lower()
    assert HIDDEN_WORDS["category"] not in body and HIDDEN_WORDS["tag"] not in body


def test_a_snippet_escapes_everything_but_the_highlight():
    html = snippet_html(f"<b>x</b> & {START}word{STOP} then {START}<i>{STOP}.")
    assert html == "&lt;b&gt;x&lt;/b&gt; &amp; <mark>word</mark> then <mark>&lt;i&gt;</mark>."
    assert snippet_html("") == ""


# --- PostgreSQL: ranking, misspellings, highlighted snippets -----------------------------------


@postgresql_only
def test_a_title_match_ranks_above_a_history_match(alice):
    in_history = make_case(alice, title="Chondroblastoma", history="Known osteochondroma.")
    in_title = make_case(alice, title="Osteochondroma of the femur", history="Knee lump.")
    make_case(alice, title="Unrelated", history="Nothing here.")
    assert listed(browse("standard", q="osteochondroma")) == [in_title.pk, in_history.pk]
    # With an explicit sort the rank no longer orders the results.
    assert listed(browse("standard", q="osteochondroma", sort="oldest")) == [
        in_history.pk, in_title.pk
    ]


@postgresql_only
def test_previous_and_next_follow_relevance(alice):
    in_history = make_case(alice, title="Chondroblastoma", history="Known osteochondroma.")
    in_title = make_case(alice, title="Osteochondroma of the femur", history="Knee lump.")
    response = Client().get(in_title.get_absolute_url("standard"), {"q": "osteochondroma"})
    assert (response.context["previous"], response.context["next"]) == (None, in_history.pk)


@postgresql_only
def test_a_misspelling_still_finds_the_case(alice):
    case = make_case(alice, title="Osteosarcoma of the distal femur", diagnosis="Osteosarcoma",
                     history="Night pain and arthralgias.")
    assert listed(browse("standard", q="osteosarkoma")) == [case.pk]
    assert listed(browse("academic", q="osteosarkoma")) == []  # the title is hidden there
    assert listed(browse("academic", q="arthralgya")) == [case.pk]  # the history is not


def test_a_british_spelling_finds_the_american_one_on_either_database(alice):
    case = make_case(alice, title="Acute lymphoblastic leukemia", diagnosis="Leukemia",
                     history="Bone pain and bruising.")
    assert listed(browse("standard", q="leukaemia")) == [case.pk]
    assert listed(browse("academic", q="leukaemia")) == []  # the diagnosis is hidden there


def test_a_misspelt_history_word_finds_the_case_on_either_database(alice, other_case):
    case = make_case(alice, history="Night pain and arthralgias.", title="Osteoid osteoma")
    assert listed(browse("academic", q="arthralgyas")) == [case.pk]
    assert listed(browse("academic", q="osteoma")) == []  # the title is hidden there
    assert listed(browse("standard", q="osteomma")) == [case.pk]


@postgresql_only
def test_standard_cards_highlight_the_words_found_escaping_the_rest(alice):
    make_case(alice, diagnosis="Quillwort <script>alert(1)</script> tumour")
    body = browse("standard", q="quillwort").content.decode()
    assert '<p class="card-snippet"><mark>Quillwort</mark>' in body
    assert "<script>alert" not in body
    academic = browse("academic", q="quillwort").content.decode()
    assert "card-snippet" not in academic and "<mark>" not in academic


@postgresql_only
def test_vectors_follow_later_changes(secret_case):
    secret_case.history = "Stung by a hornet."
    secret_case.save()
    assert listed(browse("academic", q=HISTORY_WORD)) == []
    assert listed(browse("academic", q="hornet")) == [secret_case.pk]
    secret_case.tags.add("capybara")
    assert listed(browse("standard", q="capybara")) == [secret_case.pk]
    secret_case.studies.first().delete()
    assert listed(browse("standard", q=HIDDEN_WORDS["findings"])) == []


@postgresql_only
def test_a_misspelling_finds_a_word_saved_after_the_lexicon_was_built(alice):
    case = make_case(alice, title="Chondromyxoid fibroma of the tibia", diagnosis="Fibroma",
                     history="Shin ache for months.")
    assert listed(browse("standard", q="chondromixoid")) == [case.pk]
    assert listed(browse("academic", q="chondromixoid")) == []
    assert listed(browse("academic", q="shinn ache")) == [case.pk]


@postgresql_only
def test_each_misspelt_word_must_be_near_a_word_of_the_case(alice):
    case = make_case(alice, title="Osteosarcoma of the femur", history="Night pain.")
    assert listed(browse("standard", q="osteosarkoma femurr")) == [case.pk]
    assert listed(browse("standard", q="osteosarkoma pangolinn")) == []


@postgresql_only
def test_a_lexeme_with_quotes_and_backslashes_reads_back_as_itself(db):
    from cases.search import _quoted

    with connection.cursor() as cursor:
        cursor.execute("SELECT (%s::tsquery)::text", [_quoted("o'brien\\x") + ":A"])
        assert cursor.fetchone()[0] == "'o''brien\\\\x':A"


@postgresql_only
def test_a_search_finding_too_many_cases_to_rank_lists_them_newest_first(alice, monkeypatch):
    in_title = make_case(alice, title="Osteochondroma of the femur", history="Knee lump.")
    in_history = make_case(alice, title="Chondroblastoma", history="Known osteochondroma.")
    assert listed(browse("standard", q="osteochondroma")) == [in_title.pk, in_history.pk]
    monkeypatch.setattr("cases.search.RANK_AT_MOST", 0)  # the planner estimates 1 row at least
    cache.clear()  # the ranked page is cached under the same content version
    assert listed(browse("standard", q="osteochondroma")) == [in_history.pk, in_title.pk]
    response = Client().get(in_history.get_absolute_url("standard"), {"q": "osteochondroma"})
    assert (response.context["previous"], response.context["next"]) == (None, in_title.pk)


@postgresql_only
def test_a_misspelt_word_matches_only_where_the_near_word_weighs_a(alice):
    """Near words are looked up among the lexemes of weight A (the title, unknown title and
    diagnosis), not in the findings or discussion, which an unweighted match would find."""
    in_title = make_case(alice, title="Osteochondroma of the femur", history="Knee lump.")
    make_case(alice, title="Knee lump", discussion="Unlike an osteochondroma, it grows.")
    assert listed(browse("standard", q="osteochondrona")) == [in_title.pk]


@postgresql_only
@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_the_lexemes_near_a_misspelt_word_are_read_from_the_index_of_weight_a(alice, workflow):
    """The expression searched is the one migration 0020 indexed: written otherwise, the
    planner would silently read every case's vector instead."""
    from django.db.models import F

    from cases.search import VECTORS, LexemeQuery, Matches, WeightA

    make_case(alice, title="Osteosarcoma", history="Night pain.")
    near = Matches(WeightA(F(VECTORS[workflow])), LexemeQuery("'osteosarcoma' | 'night'"))
    sql, params = Case.objects.filter(near).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"case_search_{workflow}_a" in plan
