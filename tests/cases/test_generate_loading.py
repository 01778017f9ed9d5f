"""generate_cases writes rows by COPY (PostgreSQL) or executemany (SQLite), computing what the
site derives from a case itself: its rows must be those of its drafts, and its derived data what
the site's own refresh would compute from the rows (cases/derived.py)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from taggit.models import TaggedItem

from cases import search
from cases.counts import keeping
from cases.models import Case, Differential, Reference, Study
from cases.synthetic.writer import Writer
from tests.factories import seed_vocabularies
from viewer.models import Image, Series

needs_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="search vectors and processes: PostgreSQL"
)


def generate(count, **options):
    call_command("generate_cases", count, seed=5, stdout=StringIO(), **options)


def counts():
    return {model.__name__: model.objects.count()
            for model in (Case, Study, Series, Image, Differential, Reference, TaggedItem)}


@pytest.mark.django_db
def test_it_writes_the_rows_its_drafts_hold():
    generate(40, images_per_case=2, batch=15)

    drafts = [Writer(seed=5, images_per_case=2).draft(number) for number in range(40)]
    studies = sum(len(draft.studies) for draft in drafts)
    assert counts() == {
        "Case": 40, "Study": studies, "Series": studies, "Image": 2 * studies,
        "Differential": sum(len(draft.differentials) for draft in drafts),
        "Reference": sum(len(draft.references) for draft in drafts),
        "TaggedItem": sum(len(draft.tags) for draft in drafts),
    }
    titles = list(Case.objects.order_by("pk").values_list("title", "history", "discussion"))
    assert titles == [(d.title, d.history, d.discussion) for d in drafts]


@pytest.mark.django_db
def test_each_case_is_saved_as_the_site_would_have_derived_it():
    generate(30, images_per_case=2, batch=12)

    for case in Case.objects.all():
        first = Image.objects.filter(study__case=case).order_by(
            "study__position", "study_id", "series__position", "position", "id").first()
        assert case.cover_image_id == first.pk
        assert case.updated == case.published_at
        assert case.status == Case.Status.PUBLISHED
    assert len(set(Image.objects.values_list("key", flat=True))) == Image.objects.count()


@pytest.mark.django_db
def test_the_parts_each_case_lists_are_those_counting_it_again_writes():
    """The modality and tag ids generate_cases writes on each case's row (which the browse
    filters test) equal those the counts list once rebuilt from the studies and tags."""
    generate(30, images_per_case=1, batch=12)
    written = set(Case.objects.values_list("pk", "listed_modalities", "listed_tags"))
    assert all(modalities for _, modalities, _ in written)
    keeping.rebuild()
    assert set(Case.objects.values_list("pk", "listed_modalities", "listed_tags")) == written


@needs_postgresql
@pytest.mark.django_db
def test_its_search_vectors_and_lexicon_are_those_the_sites_refresh_writes():
    generate(30, batch=12)
    written = vectors()
    lexicon = lexemes()

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.LEXICON}")
        search.update_vectors_of(list(Case.objects.select_related("anatomy", "category")))

    assert vectors() == written
    assert all(standard and academic for standard, academic in written.values())
    assert lexemes() == lexicon


def vectors():
    return {pk: (str(standard), str(academic)) for pk, standard, academic in
            Case.objects.values_list("pk", "search_standard", "search_academic")}


def lexemes():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT workflow, lexeme FROM {search.LEXICON} ORDER BY 1, 2")
        return cursor.fetchall()


@pytest.mark.django_db
def test_ids_follow_the_largest_ever_taken_even_when_deleted():
    generate(5)
    newest = Case.objects.order_by("-pk").first().pk
    last_image = Image.objects.order_by("-pk").first().pk
    Case.objects.filter(pk=newest).delete()

    generate(5)

    assert Case.objects.count() == 9
    assert Case.objects.filter(pk__gt=newest).count() == 5
    assert Image.objects.filter(pk__gt=last_image).count() == Image.objects.filter(
        study__case__pk__gt=newest).count()


@pytest.mark.django_db
def test_it_refuses_several_processes_inside_a_transaction():
    with pytest.raises(CommandError, match="inside a transaction"):
        generate(5, workers=2)


@pytest.fixture
def committed(seeded_again_afterwards, transactional_db):
    """Rows other processes can read: committed, and flushed after the test (which empties the
    vocabularies the migrations seeded: seeded again before and after)."""
    seed_vocabularies()


@needs_postgresql
def test_two_processes_write_the_same_cases_with_the_same_ids_order_as_one(committed):
    generate(30, batch=4, workers=2)
    parallel = snapshot()
    assert len(parallel) == 30
    Case.objects.all().delete()

    generate(30, batch=30, workers=1)

    assert snapshot() == parallel


def snapshot():
    """Every case's texts and rows, in id order, without the ids themselves."""
    cases = Case.objects.order_by("pk").prefetch_related("studies__images", "differentials",
                                                          "references", "tags")
    return [
        (case.title, case.history, case.discussion, str(case.search_standard),
         [(s.findings, [i.caption for i in s.images.all()]) for s in case.studies.all()],
         [d.diagnosis for d in case.differentials.all()],
         [r.citation for r in case.references.all()], sorted(t.name for t in case.tags.all()))
        for case in cases
    ]


@needs_postgresql
def test_deferring_indexes_leaves_every_index_and_foreign_key_as_it_was(committed):
    before = schema()

    generate(12, batch=5, workers=2, defer_indexes=True)

    assert schema() == before
    assert counts()["Case"] == 12
    assert "case_search_standard" in {name for name, _ in before}


def schema():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                       "current_schema() UNION ALL SELECT conname, pg_get_constraintdef(oid) "
                       "FROM pg_constraint ORDER BY 1, 2")
        return cursor.fetchall()


@pytest.mark.django_db
def test_deferring_indexes_is_refused_inside_a_transaction_or_on_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL|inside a transaction"):
        generate(5, defer_indexes=True)
    assert not Case.objects.exists()
