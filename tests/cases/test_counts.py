"""The counts per combination of facet values (cases/counts/) stay what counting the cases
again gives, after every kind of change, and browse pages read them: the same numbers as the
cases themselves, exact."""

import pytest
from django.db import connection, transaction
from django.urls import reverse
from taggit.models import Tag

from cases.counts import keeping, reading
from cases.forms import BrowseForm
from cases.models import Case, CountedCase, FacetCount, Study
from cases.statistics import count_published
from tests.factories import add_pictures, make_case, vocabulary


def snapshot():
    counts = set(FacetCount.objects.values_list(
        *keeping.KEY, "cases", "images"))
    counted = set(CountedCase.objects.values_list())
    listed = set(Case.objects.values_list("pk", "listed_modalities", "listed_tags"))
    return counts, counted, listed


def assert_counts_right():
    """The counts kept save by save equal the counts made from nothing, and the statistics
    equal those counted from the cases."""
    kept = snapshot()
    keeping.rebuild()
    assert kept == snapshot()
    assert reading.statistics() == count_published()


@pytest.fixture
def cases(alice, bob):
    return [
        make_case(alice, anatomy="chest", modality="CT", tags=["classic"], age_value=70),
        make_case(alice, anatomy="chest", modality="CR", tags=["classic", "rare"], images=2),
        make_case(bob, anatomy="neuro", modality="MR", category="infection", age_value=None),
        make_case(bob, anatomy="musculoskeletal", status=Case.Status.DRAFT),
    ]


def test_counts_are_right_after_cases_are_made(cases):
    assert_counts_right()
    assert reading.statistics()["cases"] == 3


def test_counts_are_right_after_a_case_is_withdrawn_and_published_again(cases):
    case = cases[0]
    case.status = Case.Status.DRAFT
    case.save()
    assert_counts_right()
    assert reading.statistics()["cases"] == 2
    case.status = Case.Status.PUBLISHED
    case.save()
    assert_counts_right()
    assert reading.statistics()["cases"] == 3


def test_counts_are_right_after_a_draft_is_published(cases):
    draft = cases[3]
    draft.status = Case.Status.PUBLISHED
    draft.save()
    assert_counts_right()
    assert reading.statistics()["cases"] == 4


def test_counts_are_right_after_a_case_is_deleted(cases):
    cases[1].delete()
    assert_counts_right()
    assert not CountedCase.objects.filter(case_id=cases[1].pk).exists()


def test_counts_are_right_after_a_case_changes_anatomy_age_and_tags(cases):
    case = cases[0]
    case.anatomy = vocabulary(case.anatomy.__class__, "neuro")
    case.age_value = 3
    case.save()
    case.tags.add("emergency")
    case.tags.remove("classic")
    assert_counts_right()


def test_counts_are_right_after_a_study_and_images_are_added_and_removed(cases):
    case = cases[2]
    study = Study.objects.create(case=case, modality=vocabulary(
        Study._meta.get_field("modality").related_model, "CT", "code"))
    add_pictures(study, 2)
    assert_counts_right()
    assert reading.statistics()["images"] == count_published()["images"]
    study.delete()
    assert_counts_right()


def test_counts_are_right_after_a_raw_update_once_rebuilt(cases):
    """A change behind the signals' back (a queryset update) is seen by recount_cases."""
    Case.objects.filter(pk=cases[0].pk).update(status=Case.Status.DRAFT)
    keeping.rebuild()
    assert reading.statistics()["cases"] == 2


@pytest.mark.parametrize("workflow", ["standard", "academic"])
@pytest.mark.parametrize("params", [
    {},
    {"anatomy": "chest"},
    {"modality": "CT"},
    {"anatomy": "chest", "modality": "CR", "age": "older"},
    {"difficulty": "resident", "anatomy": "chest"},
    {"age": "pediatric"},
    {"tag": "classic", "modality": "CR"},
    {"category": "infection"},
    {"tag": "no-such-tag"},
    {"tag": "rare", "anatomy": "chest", "age": "older"},
])
def test_counted_totals_and_facets_equal_counting_the_cases(cases, workflow, params):
    from cases.facets import facet_counts

    form = BrowseForm(params, workflow)
    assert form.is_valid()
    published = Case.objects.published()
    tallied = reading.tally(form, workflow)
    assert tallied.total == form.filter(published).count()
    live = facet_counts(lambda name: form.filter(published, without=name), workflow)
    kept = tallied.facets
    for name, by_value in live.items():
        assert {k: v for k, v in kept[name].items() if v} == {
            k: v for k, v in by_value.items() if v and k is not None}, name


def test_a_search_an_author_or_a_readers_filter_is_not_counted_from_the_counts(cases):
    for params in ({"q": "hand"}, {"author": "alice"}):
        form = BrowseForm(params, "standard")
        assert form.is_valid() and not reading.covers(form)


@pytest.mark.parametrize("params", [
    {},
    {"anatomy": "chest"},
    {"tag": "classic"},
    {"anatomy": "chest", "modality": "CR", "age": "older", "difficulty": "resident",
     "category": "infection", "tag": "classic"},
])
def test_the_count_facets_and_top_tags_of_filters_alone_are_one_statement(
        cases, params, django_assert_num_queries):
    """Whatever the filters, a chosen tag included (its id is a subquery of the sums)."""
    form = BrowseForm(params, "standard")
    assert form.is_valid()
    with django_assert_num_queries(1):
        reading.tally(form, "standard", tags=20)


def test_top_tags_count_what_choosing_each_tag_gives(cases):
    form = BrowseForm({"anatomy": "chest"}, "standard")
    form.is_valid()
    assert reading.tally(form, "standard", tags=20).tags == [
        ("classic", "classic", 2), ("rare", "rare", 1)]


def test_browse_shows_the_exact_count_from_the_counts(client, cases):
    response = client.get(reverse("cases:browse", args=["standard"]), {"anatomy": "chest"})
    html = response.content.decode()
    assert "2 cases" in html and "about" not in html.split("</h1>")[0]


def ids_of(model, field, *values):
    return sorted(model.objects.filter(**{f"{field}__in": values}).values_list("pk", flat=True))


def listed(ids):
    return "".join(f",{pk}" for pk in ids) + "," if ids else ""


def test_a_published_cases_row_lists_its_modalities_and_tags_and_a_draft_lists_none(cases):
    modality = Study._meta.get_field("modality").related_model
    Study.objects.create(case=cases[1], modality=vocabulary(modality, "CT", "code"))
    row = Case.objects.values("listed_modalities", "listed_tags").get(pk=cases[1].pk)
    assert row == {"listed_modalities": listed(ids_of(modality, "code", "CR", "CT")),
                   "listed_tags": listed(ids_of(Tag, "name", "classic", "rare"))}
    assert Case.objects.values_list("listed_modalities", "listed_tags").get(
        pk=cases[3].pk) == ("", "")
    cases[1].status = Case.Status.DRAFT
    cases[1].save()
    assert Case.objects.values_list("listed_modalities", "listed_tags").get(
        pk=cases[1].pk) == ("", "")


def found(params):
    form = BrowseForm(params, "standard")
    assert form.is_valid()
    return sorted(form.filter(Case.objects.published()).values_list("pk", flat=True))


def test_the_modality_and_tag_filters_follow_each_change_to_studies_and_tags(cases):
    neuro = cases[2]
    assert found({"modality": "MR"}) == [neuro.pk]
    study = neuro.studies.get()
    study.modality = vocabulary(Study._meta.get_field("modality").related_model, "CT", "code")
    study.save()
    assert found({"modality": "MR"}) == []
    assert found({"modality": "CT"}) == sorted([cases[0].pk, neuro.pk])
    neuro.tags.add("rare")
    assert found({"tag": "rare"}) == sorted([cases[1].pk, neuro.pk])
    cases[1].tags.remove("rare")
    assert found({"tag": "rare"}) == [neuro.pk]
    study.delete()
    assert found({"modality": "CT"}) == [cases[0].pk]
    assert found({"tag": "no-such-tag"}) == []


def test_a_save_of_a_case_read_before_its_parts_changed_leaves_them_listed(cases):
    """Model.save() writes every column, the listed parts the instance read among them: the
    recount after it lists what the case holds again."""
    stale = Case.objects.get(pk=cases[2].pk)
    Study.objects.create(case=cases[2], modality=vocabulary(
        Study._meta.get_field("modality").related_model, "CT", "code"))
    cases[2].tags.add("rare")
    stale.title = "Edited after the study was added"
    stale.save()
    assert cases[2].pk in found({"modality": "CT"}) and cases[2].pk in found({"tag": "rare"})
    assert_counts_right()


def test_a_tag_whose_id_holds_another_ids_digits_is_not_taken_for_it(cases, alice):
    """",70001," is no part of ",700011,": each id is tested with its delimiters."""
    short = Tag.objects.create(pk=70001, name="short-id", slug="short-id")
    long = Tag.objects.create(pk=700011, name="long-id", slug="long-id")
    tagged = make_case(alice, anatomy="chest", modality="CT", tags=[long.name])
    assert found({"tag": short.slug}) == []
    assert found({"tag": long.slug}) == [tagged.pk]


# --- with a word, through the index of the listed ids (migration 0023) -------------------------


@pytest.mark.parametrize("indexed", [False, True])
def test_either_way_an_id_holding_another_ids_digits_is_not_taken_for_it(cases, alice, indexed):
    """",70001," is no part of ",700011,", and 70001 is not 700011 in the array of ids."""
    short = Tag.objects.create(pk=70001, name="short-id", slug="short-id")
    long = Tag.objects.create(pk=700011, name="long-id", slug="long-id")
    tagged = make_case(alice, anatomy="chest", modality="CT", tags=[long.name])
    ct = cases[0].studies.get().modality
    assert list(Case.objects.with_tag(short.pk, indexed)) == []
    assert list(Case.objects.with_tag(long.pk, indexed)) == [tagged]
    assert list(Case.objects.with_tag(None, indexed)) == []
    assert sorted(Case.objects.with_modality(ct, indexed).values_list("pk", flat=True)) == sorted(
        [cases[0].pk, tagged.pk]
    )


def test_a_word_with_a_modality_or_a_tag_finds_what_the_filter_alone_finds_among_its_cases(
    cases, alice
):
    worded = make_case(alice, anatomy="chest", modality="MR", tags=["classic"],
                       history="Pneumothorax after a fall.", title="Pneumothorax")
    make_case(alice, anatomy="chest", modality="CT", tags=["rare"],
              history="Pneumothorax after a fall.", title="Pneumothorax")
    for params in ({"modality": "MR"}, {"tag": "classic"}):
        assert found({"q": "pneumothorax", **params}) == [worded.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are PostgreSQL's")
@pytest.mark.parametrize("part, index", [
    ("modality", "case_modality_ids"),
    ("tag", "case_tag_ids"),
])  # fmt: skip
def test_the_indexed_filter_is_the_expression_migration_0023_indexed(cases, part, index):
    """Written otherwise, PostgreSQL would silently read every case holding the word."""
    if part == "modality":
        selected = Case.objects.with_modality(cases[0].studies.get().modality, indexed=True)
    else:
        selected = Case.objects.with_tag(Tag.objects.get(slug="classic").pk, indexed=True)
    sql, values = selected.order_by().query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # On a few rows the planner reads the table: made to take an index it may use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", values)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Bitmap Index Scan on {index}" in plan
