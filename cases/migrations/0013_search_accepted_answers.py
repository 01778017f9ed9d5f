"""Accepted answers are searched in the standard workflow, with the weight of the diagnosis they
restate: add them to the standard vectors of the cases that have some, and their lexemes to the
lexicon of misspellings. Written in SQL, frozen: later changes to cases/search.py don't reach it.
Academic vectors never hold them."""

from django.db import migrations

ADD_TO_VECTORS = """
UPDATE cases_case AS c
SET search_standard = coalesce(c.search_standard, ''::tsvector)
    || setweight(to_tsvector('english', a.answers), 'A')
FROM (
    SELECT case_id, string_agg(answer, ' ') AS answers
    FROM cases_acceptedanswer GROUP BY case_id
) AS a
WHERE c.id = a.case_id
"""

ADD_TO_LEXICON = """
INSERT INTO cases_search_lexeme (workflow, lexeme)
SELECT DISTINCT 'standard', l.lexeme
FROM cases_case AS c, unnest(c.search_standard) AS l
WHERE c.id IN (SELECT case_id FROM cases_acceptedanswer) AND 'A' = ANY(l.weights)
ON CONFLICT DO NOTHING
"""


def add_accepted_answers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite searches the rows themselves
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(ADD_TO_VECTORS)
        cursor.execute(ADD_TO_LEXICON)


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_covers_only_of_images_readers_may_see")]

    operations = [migrations.RunPython(add_accepted_answers, migrations.RunPython.noop)]
