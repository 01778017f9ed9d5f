"""Search at 100,000 cases (docs/performance.md), PostgreSQL only, like the vectors' GIN indexes
(migration 0006): SQLite searches by plain word matching and needs none of it.

- The lexicon misspelt words are looked up in (cases.search.near_lexemes): every distinct lexeme
  of weight A of each workflow's vectors, with a trigram index. No model: only cases/search.py
  reads and writes it, in SQL.
- An index of each case's studies with their modality, which the modality facet reads without
  the study rows (cases/facets.py).
"""

from django.db import migrations

CREATE = """
CREATE TABLE cases_search_lexeme (
    workflow varchar(16) NOT NULL,
    lexeme text NOT NULL,
    PRIMARY KEY (workflow, lexeme)
);
-- Browse with ?q=: the lexemes near a misspelt word, looked up by near_lexemes().
CREATE INDEX search_lexeme_trigram ON cases_search_lexeme USING gin (lexeme gin_trgm_ops);
-- Browse facets: the modalities of the cases found, an index-only scan by case.
CREATE INDEX study_case_modality ON cases_study (case_id, modality_id);
"""

# Every distinct lexeme of weight A of each workflow's vectors, as cases/search.py filled the
# lexicon when this migration was written (frozen: the migration must not follow search).
FILL = """
INSERT INTO cases_search_lexeme (workflow, lexeme)
SELECT DISTINCT '{workflow}', l.lexeme FROM cases_case AS c, unnest(c.{vector}) AS l
WHERE 'A' = ANY(l.weights)
ON CONFLICT DO NOTHING
"""
VECTORS = {"standard": "search_standard", "academic": "search_academic"}


def create_lexicon(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        with schema_editor.connection.cursor() as cursor:
            for workflow, vector in VECTORS.items():
                cursor.execute(FILL.format(workflow=workflow, vector=vector))


def drop_lexicon(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS cases_search_lexeme")
        schema_editor.execute("DROP INDEX IF EXISTS study_case_modality")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0007_search_and_scale_indexes"),
    ]

    operations = [
        migrations.RunPython(create_lexicon, drop_lexicon),
    ]
