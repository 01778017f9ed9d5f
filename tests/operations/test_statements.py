"""The statements nearly every page sends are prepared on PostgreSQL, once a connection, and
answer as they did (operations/statements.py, operations/postgresql)."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attempts.models import Grade, Review
from cases import memory
from cases.caching import content_version
from operations import statements
from tests.factories import make_case

POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared by PostgreSQL")


def prepared_here(wrapper=connection):
    """The statements the server keeps prepared for this connection."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@POSTGRESQL
def test_the_content_version_is_read_by_a_statement_the_connection_keeps_prepared(db):
    content_version()
    content_version()

    kept = [s for s in prepared_here() if "cases_contentversion" in s]
    assert len(kept) == 1, kept


@POSTGRESQL
def test_a_pages_marks_are_one_prepared_statement_whatever_its_cards(resident, alice):
    cases = [make_case(alice) for _ in range(3)]
    Review.objects.create(reader=resident, case=cases[0], last_grade=Grade.MISSED,
                          due=timezone.now())

    assert list(memory.marks_of([c.pk for c in cases], resident)) == [cases[0].pk]
    assert list(memory.marks_of([cases[0].pk], resident)) == [cases[0].pk]
    assert memory.marks_of([cases[1].pk, cases[2].pk], resident) == {}

    kept = [s for s in prepared_here() if "attempts_review" in s]
    assert len(kept) == 1, kept


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_with_prepared_statements_off_nothing_is_prepared_and_the_answers_are_the_same():
    wrapper = connections.create_connection("default")
    options = wrapper.settings_dict["OPTIONS"]
    wrapper.settings_dict["OPTIONS"] = {**options, "prepare_threshold": None}
    try:
        with wrapper.prepared_cursor() as cursor:
            cursor.execute("SELECT %s + 1", [41])
            assert cursor.fetchone() == (42,)
            cursor.execute("SELECT %s + 1", [41])
        assert prepared_here(wrapper) == []
    finally:
        wrapper.close()


@pytest.mark.parametrize("ids", [[70], [70, 7000], [7]])
def test_an_id_is_never_taken_for_one_that_holds_its_digits(db, ids):
    sql, params = statements.among("n", ids)
    rows = "SELECT 7 AS n UNION ALL SELECT 70 UNION ALL SELECT 700 UNION ALL SELECT 7000"
    with statements.cursor() as cursor:
        cursor.execute(f"SELECT n FROM ({rows}) t WHERE {sql} ORDER BY n", params)
        assert [n for (n,) in cursor.fetchall()] == ids


@POSTGRESQL
def test_a_prepared_statement_is_logged_with_its_values_when_queries_are(db):
    with CaptureQueriesContext(connection) as queries:
        with statements.cursor() as cursor:
            cursor.execute("SELECT %s + 1", [41])

    assert queries.captured_queries[-1]["sql"] == "SELECT 41 + 1"
