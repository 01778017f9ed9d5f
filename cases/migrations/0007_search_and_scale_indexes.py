"""Indexes for browse and search at 100,000 cases (docs/performance.md).

The trigram indexes are PostgreSQL's only (gin_trgm_ops, from the pg_trgm extension migration
0006 creates), so they are made here on PostgreSQL only, like 0006's GIN indexes. They are
built by Django from cases.search.fuzzy_text(), the expression the search filters on, so the
two cannot drift apart: PostgreSQL uses an expression index only for the same expression.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations, models

TRIGRAM_INDEXES = [
    # Standard search for a misspelt word: title and diagnosis %> word (cases/search.py).
    ("case_fuzzy_standard", "standard"),
    # Academic search for a misspelt word: history %> word.
    ("case_fuzzy_academic", "academic"),
]


def trigram_indexes():
    from cases.search import fuzzy_text

    return [GinIndex(OpClass(fuzzy_text(workflow), name="gin_trgm_ops"), name=name)
            for name, workflow in TRIGRAM_INDEXES]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in trigram_indexes():
            schema_editor.add_index(apps.get_model("cases", "Case"), index)


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0006_search"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["status", "anatomy", "category", "difficulty", "age_days"],
                name="case_facets",
            ),
        ),
    ]
