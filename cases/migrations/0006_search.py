"""Full-text search (cases/search.py).

The two tsvector columns are model fields on both databases (SQLite accepts any declared column
type, and they stay NULL there). What only PostgreSQL has is done here on PostgreSQL only: the
pg_trgm extension (TrigramExtension skips other databases by itself), the GIN indexes, which
SQLite cannot build, and filling the vectors of existing cases.

How a vector is built is frozen here as cases/search.py built it when this migration was
written, so that the migration does not change when search does.
"""

import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import TextField, Value

CONFIG = "english"
AGE_UNITS = {"Y": "years", "M": "months", "W": "weeks", "D": "days"}
SEXES = {"F": "Female", "M": "Male", "O": "Other"}  # "U", unknown, gives no word
# (key, first day, first day past the group) of cases.ages.AGE_GROUPS.
AGE_GROUPS = [
    ("neonate", 0, 28),
    ("infant", 0, 365),
    ("child", 365, 13 * 365 + 3),
    ("adolescent", 13 * 365 + 3, 18 * 365 + 4),
    ("pediatric", 0, 18 * 365 + 4),
    ("adult", 18 * 365 + 4, 65 * 365 + 16),
    ("older", 65 * 365 + 16, None),
]

GIN_INDEXES = [
    # Standard browse with ?q=: search_standard @@ query.
    ("case_search_standard", "search_standard"),
    # Academic browse with ?q=: search_academic @@ query.
    ("case_search_academic", "search_academic"),
]


def create_gin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in GIN_INDEXES:
            schema_editor.execute(f"CREATE INDEX {name} ON cases_case USING gin ({column})")


def drop_gin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in GIN_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def fill_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Case = apps.get_model("cases", "Case")
    tagged = apps.get_model("taggit", "TaggedItem").objects.filter(
        content_type__app_label="cases", content_type__model="case"
    )
    for case in Case.objects.select_related("anatomy", "category"):
        # A historical model's TaggableManager cannot read tags (taggit's tags_for() is not in
        # migrations' models): they are read from the tagged items.
        tags = tagged.filter(object_id=case.pk).order_by("id").values_list("tag__name", flat=True)
        standard, academic = weighted_texts(case, tags)
        Case.objects.filter(pk=case.pk).update(
            search_standard=vector(standard), search_academic=vector(academic)
        )



def weighted_texts(case, tags):
    """({weight: text} for the standard vector, {weight: text} for the academic one)."""
    studies, differentials = case.studies.all(), case.differentials.all()
    modalities = [f"{study.modality.code} {study.modality.name}" for study in studies]
    anatomy = case.anatomy.name if case.anatomy_id else ""
    category = case.category.name if case.category_id else ""
    standard = {
        "A": _join(case.title, case.unknown_title, case.diagnosis),
        "B": _join(*(study.findings for study in studies), case.discussion,
                   *(item.diagnosis for item in differentials)),
        "C": case.history,
        "D": _join(anatomy, category, *modalities, *tags),
    }
    academic = {"A": case.history, "B": _join(anatomy, *modalities, *_age_and_sex_words(case))}
    return standard, academic


def _age_and_sex_words(case):
    words = []
    if case.age_value is not None and case.age_unit:
        words.append(f"{case.age_value} {AGE_UNITS[case.age_unit]}")
    if case.age_days is not None:
        words += [key for key, low, high in AGE_GROUPS
                  if case.age_days >= low and (high is None or case.age_days < high)]
    if case.sex in SEXES:
        words.append(SEXES[case.sex])
    return words


def _join(*texts):
    return " ".join(text for text in texts if text)


def vector(texts):
    vectors = [
        SearchVector(Value(text, output_field=TextField()), weight=weight, config=CONFIG)
        for weight, text in texts.items()
    ]
    combined = vectors[0]
    for each in vectors[1:]:
        combined = combined + each
    return combined


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0005_study_uid"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="case",
            name="search_academic",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="search_standard",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_gin_indexes, drop_gin_indexes),
        migrations.RunPython(fill_vectors, migrations.RunPython.noop),
    ]
