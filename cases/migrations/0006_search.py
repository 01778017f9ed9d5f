"""Full-text search (cases/search.py).

The two tsvector columns are model fields on both databases (SQLite accepts any declared column
type, and they stay NULL there). What only PostgreSQL has is done here on PostgreSQL only: the
pg_trgm extension (TrigramExtension skips other databases by itself), the GIN indexes, which
SQLite cannot build, and filling the vectors of existing cases.
"""

import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

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
    from cases.search import vector, weighted_texts

    Case = apps.get_model("cases", "Case")
    for case in Case.objects.select_related("anatomy", "category"):
        standard, academic = weighted_texts(case)
        Case.objects.filter(pk=case.pk).update(
            search_standard=vector(standard), search_academic=vector(academic)
        )


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
