"""`generate_cases --defer-indexes`: fill the tables without their secondary indexes and foreign
keys, then build them again, for a database being filled before anyone uses it (PostgreSQL).

Each case row updates a dozen indexes, two of them GIN indexes of its search vectors, and each
row of any table queues a check of each of its foreign keys for the commit. Built once at the
end, an index is a sort of the whole table, and a foreign key one join. Unique indexes and
primary keys stay: they keep the rows correct while they are written. What is dropped is read
from the catalog and created again from its own definition, even when the run fails; a run
killed outright cannot, so the definitions are printed first, to be run by hand then.
"""

from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import connection

# Building an index sorts the table in this much memory before spilling to disk.
BUILD_MEMORY = "512MB"

_INDEXES = """
SELECT format('DROP INDEX %%I', i.indexname), i.indexdef FROM pg_indexes AS i
JOIN pg_index AS x ON x.indexrelid = format('%%I.%%I', i.schemaname, i.indexname)::regclass
WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) AND NOT x.indisunique
ORDER BY i.tablename, i.indexname
"""
_FOREIGN_KEYS = """
SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid))
FROM pg_constraint AS c
WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
ORDER BY c.conrelid::regclass::text, c.conname
"""


@contextmanager
def deferred(tables, stdout):
    """Drop the secondary indexes and foreign keys of tables (names) for the block, then make
    them again (indexes first: they serve the foreign keys' checks)."""
    if connection.vendor != "postgresql":
        raise CommandError("--defer-indexes is for PostgreSQL.")
    if connection.in_atomic_block:
        raise CommandError("--defer-indexes cannot run inside a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(_INDEXES, [list(tables)])
        indexes = cursor.fetchall()
        cursor.execute(_FOREIGN_KEYS, [list(tables)])
        keys = cursor.fetchall()
    stdout.write("Dropping these, made again at the end (by hand if the run is killed):\n"
                 + "".join(f"  {create};\n" for _, create in (*indexes, *keys)))
    with connection.cursor() as cursor:
        for drop, _ in (*keys, *indexes):
            cursor.execute(drop)
    try:
        yield
    finally:
        rebuild([create for _, create in (*indexes, *keys)], stdout)


def rebuild(statements, stdout):
    with connection.cursor() as cursor:
        cursor.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        for statement in statements:
            stdout.write(f"  {statement}\n")
            cursor.execute(statement)
        cursor.execute("RESET maintenance_work_mem")
