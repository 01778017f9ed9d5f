"""Rows into the database: ids drawn ahead, then COPY on PostgreSQL, executemany on SQLite.

On PostgreSQL the cases go through a temporary table: COPY can only store values, and a case's
search vectors are computed by PostgreSQL (to_tsvector), so the cases are copied there with
their texts and moved to cases_case by one INSERT ... SELECT that computes the vectors on the
way: each case row is written once, where an UPDATE after the insert wrote it twice and updated
its dozen indexes twice. The texts are cases.search.texts_of()'s, weighted as the site's own
refresh weights them (cases/search.py), which tests/cases/test_generate_loading.py checks.
"""

from django.db import connection

from cases import search

STAGE = "synthetic_case_stage"
STANDARD_TEXTS = tuple(f"s{w.lower()}" for w in search.STANDARD_WEIGHTS)
ACADEMIC_TEXTS = tuple(f"a{w.lower()}" for w in search.ACADEMIC_WEIGHTS)
# Taken while a batch adds to the search lexicon: two loaders adding the same lexemes in
# different orders could each wait for the other's (ON CONFLICT waits for the holder's commit).
LEXICON_LOCK = 7_402_315


def allocate(cursor, table, count):
    """count new ids of table, ascending: drawn from its sequence on PostgreSQL (never handed
    out twice, even to another writer); on SQLite, inside the batch's write transaction, the
    ones after the largest it ever gave (sqlite_sequence, AUTOINCREMENT's record)."""
    if not count:
        return []
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return sorted(row[0] for row in cursor.fetchall())
    cursor.execute(
        f"SELECT max(n) FROM (SELECT max(id) AS n FROM {table} "  # noqa: S608 (a model's table)
        "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
        [table],
    )
    last = cursor.fetchone()[0] or 0
    return list(range(last + 1, last + 1 + count))


def write(cursor, table, rows):
    if not rows:
        return
    columns = ", ".join(table.columns)
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(table.columns))
    cursor.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)


def write_cases(cursor, table, rows, texts):
    """The cases' rows, with their search vectors from texts ([(standard, academic)] of
    search.texts_of, in the rows' order) where the database ranks (search.ranks())."""
    if not search.ranks():
        write(cursor, table, rows)
        return
    columns = ", ".join(table.columns)
    text_columns = (*STANDARD_TEXTS, *ACADEMIC_TEXTS)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS SELECT {columns}, "
        + ", ".join(f"NULL::text AS {name}" for name in text_columns)
        + f" FROM {table.name} WITH NO DATA"
    )
    with cursor.copy(f"COPY {STAGE} ({columns}, {', '.join(text_columns)}) FROM STDIN") as copy:
        for row, (standard, academic) in zip(rows, texts, strict=True):
            copy.write_row((*row, *(standard[w] for w in search.STANDARD_WEIGHTS),
                            *(academic[w] for w in search.ACADEMIC_WEIGHTS)))
    cursor.execute(
        f"INSERT INTO {table.name} ({columns}, search_standard, search_academic) "
        f"SELECT {columns}, {_vector(STANDARD_TEXTS, search.STANDARD_WEIGHTS)}, "
        f"{_vector(ACADEMIC_TEXTS, search.ACADEMIC_WEIGHTS)} FROM {STAGE} ORDER BY id"
    )
    cursor.execute(f"DROP TABLE {STAGE}")


def _vector(columns, weights):
    """The weighted sum cases.search writes: setweight(to_tsvector(text), weight) || ..."""
    return " || ".join(
        f"setweight(to_tsvector('{search.CONFIG}', coalesce({column}, '')), '{weight}')"
        for column, weight in zip(columns, weights, strict=True)
    )


def add_to_lexicon(cursor, case_ids):
    """The weight-A lexemes of these new cases into the misspelling lexicon (PostgreSQL)."""
    if search.ranks() and case_ids:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEXICON_LOCK])
        search.add_to_lexicon(cursor, case_ids)
