"""A search with a modality or a tag at 100,000 cases (docs/performance.md), PostgreSQL only, like
the vectors' GIN indexes (migrations 0006 and 0020).

A modality or a tag is tested on the ids a case lists (`listed_modalities`, ",3,11,"), which no
index answered with a word: PostgreSQL matched the word from its GIN index, then read every
case holding it to test the modality. "male" with MR, academic: 33,333 cases read (15,800
buffers) for 2,972 kept, 56-70 ms. These indexes hold each case's ids as an array
(cases.models.case.ListedIds), in which containment is exact, so PostgreSQL intersects one with
the word's index and reads only the cases in both: 11-20 ms. (A trigram index of the text was
tried first: it is lossy, and a bitmap holding it tests the word again on every case, reading
each standard vector out of line.)
"""

from django.db import migrations

INDEXES = [
    ("case_modality_ids", "listed_modalities"),
    ("case_tag_ids", "listed_tags"),
]
# ListedIds.template, as it stood: tests/cases/test_counts.py holds the filters to these indexes.
LISTED_IDS = "(string_to_array(btrim({column}, ','), ','))::bigint[]"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in INDEXES:
            expression = LISTED_IDS.format(column=column)
            schema_editor.execute(f"CREATE INDEX {name} ON cases_case USING gin (({expression}))")
        schema_editor.execute("ANALYZE cases_case")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0022_listed_parts"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
