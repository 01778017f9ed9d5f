"""Indexes for browse and search at 100,000 cases (docs/performance.md).

The trigram indexes are PostgreSQL's only (gin_trgm_ops, from the pg_trgm extension migration
0006 creates), so they are made here on PostgreSQL only, like 0006's GIN indexes, on the
expressions the search of that time filtered on (PostgreSQL uses an expression index only for
the same expression). Migration 0009 drops them: misspelt words are now looked up in a lexicon.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations, models
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat

TRIGRAM_INDEXES = [
    # Standard search for a misspelt word: title and diagnosis %> word (cases/search.py).
    ("case_fuzzy_standard", "standard"),
    # Academic search for a misspelt word: history %> word.
    ("case_fuzzy_academic", "academic"),
]


def fuzzy_text(workflow):
    """What the workflow showed of the answer (standard) or the history (academic)."""
    if workflow == "standard":
        return Concat("title", Value(" "), "diagnosis", output_field=TextField())
    return F("history")


def trigram_indexes():
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
