"""Migration cases 0013 adds the accepted answers of existing cases to their standard vectors
and to the lexicon of misspellings, as cases/search.py now writes them for new ones."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from cases.models import AcceptedAnswer, Case
from cases.search import near_lexemes, search
from tests.factories import make_case

migration = importlib.import_module("cases.migrations.0013_search_accepted_answers")

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stored vectors exist on PostgreSQL only"
)


def found(word, workflow="standard"):
    near = near_lexemes(word, workflow)
    cases = search(Case.objects.published(), word, workflow, near=near)
    return list(cases.values_list("pk", flat=True))


def test_an_older_case_is_found_by_its_accepted_answer_after_the_migration(alice):
    case = make_case(alice, diagnosis="Slipped capital femoral epiphysis")
    AcceptedAnswer.objects.create(case=case, answer="Epiphysiolysis")
    with connection.cursor() as cursor:  # the vectors as written before accepted answers counted
        cursor.execute(
            "UPDATE cases_case SET search_standard = to_tsvector('english', diagnosis) "
            "WHERE id = %s", [case.pk]
        )
        cursor.execute("DELETE FROM cases_search_lexeme WHERE lexeme LIKE 'epiphysiolysi%'")
    assert found("epiphysiolysis") == []

    with connection.schema_editor() as editor:
        migration.add_accepted_answers(apps, editor)

    assert found("epiphysiolysis") == [case.pk]
    assert found("epiphysiolisis") == [case.pk]  # through the lexicon, as a misspelling
    assert found("epiphysiolysis", "academic") == []
