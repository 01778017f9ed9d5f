"""Searches with misspelt or stemmed words at 100,000 cases (docs/performance.md), PostgreSQL
only, like the vectors' GIN indexes (migration 0006).

A word near a lexicon lexeme is searched among the lexemes of weight A (title, unknown title,
diagnosis; academic: the history). Written as `vector @@ 'osteosarcoma':A`, the vector's GIN
index, which holds no weights, returned every case with the lexeme at any weight and PostgreSQL
read each one's vector (most TOASTed) to check it: 5,586 candidates and 14,364 buffers for
1,001 cases. An index of each vector's weight-A lexemes (ts_filter) answers the same question
exactly, from the index alone (cases.search.WeightA).
"""

from django.db import migrations

INDEXES = [
    # Browse with ?q=, standard: the lexemes near a misspelt word among weight A.
    ("case_search_standard_a", "search_standard"),
    # Browse with ?q=, academic: the same in the history.
    ("case_search_academic_a", "search_academic"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in INDEXES:
            schema_editor.execute(
                f"CREATE INDEX {name} ON cases_case USING gin (ts_filter({column}, '{{a}}'))"
            )
        # The planner's estimates of a search (its "about N", whether it ranks) read the
        # statistics of these expressions, which only ANALYZE gathers.
        schema_editor.execute("ANALYZE cases_case")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0019_author_browse_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
