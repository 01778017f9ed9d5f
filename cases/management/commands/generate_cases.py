"""`python manage.py generate_cases N`: many synthetic published cases, fast, for load tests.

Every case is made up (cases/synthetic/): text composed from word lists, ages and vocabularies
drawn at random (deterministically with --seed), authors a handful of synthetic contributor
accounts (usernames start with "synthetic-"), references with DOIs under 10.5555, the DOI test
prefix, and pictures a few stored grey renditions that every synthetic image shares. Rows go in
by COPY on PostgreSQL (executemany on SQLite), one transaction per batch, written by two
processes on PostgreSQL (--workers); each case is seeded by --seed and its number in the run,
so a seed makes the same cases whatever the batch size or the number of processes.

`--readers N --attempts-per-reader M` then adds N residents (synthetic-reader-1 to -N, password
"synthetic-reader") who each answered M distinct published cases, with the reviews the
scheduler gave them (cases/synthetic/readers.py). `generate_cases 0 --readers ...` adds readers
to the cases a database already holds.
"""

import argparse
import os
import time
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cases.synthetic import parallel
from cases.synthetic import readers as synthetic_readers
from cases.synthetic.deferred import deferred
from cases.synthetic.writer import Writer


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def at_least_zero(value):
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {number}")
    return number


class Command(BaseCommand):
    help = (
        "Create N synthetic published cases by bulk load, for load and performance tests. "
        "Authors are synthetic-* accounts; images share a few stored files."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=at_least_zero, help="How many cases to create.")
        parser.add_argument("--images-per-case", type=positive, default=1,
                            help="Images in each study (default 1).")
        parser.add_argument("--seed", type=int, default=None,
                            help="Seed for the random choices: the same seed makes the same text.")
        parser.add_argument("--batch", type=positive, default=2000,
                            help="Cases per transaction (default 2000).")
        parser.add_argument("--workers", type=positive, default=None,
                            help="Writer processes (default: 2 on PostgreSQL, 1 on SQLite).")
        parser.add_argument(
            "--defer-indexes", action="store_true",
            help="PostgreSQL, for a database nobody reads yet: drop the secondary indexes and "
                 "foreign keys of the tables it fills and make them again at the end.")
        parser.add_argument("--readers", type=at_least_zero, default=0,
                            help="Residents to create, synthetic-reader-1 to -N (default 0).")
        parser.add_argument("--attempts-per-reader", type=at_least_zero, default=0,
                            help="Distinct published cases each reader answered (default 0).")

    def handle(self, *args, count, seed, readers, attempts_per_reader, **options):
        synthetic_readers.check(readers, attempts_per_reader, new_cases=count)
        if count:
            self.write_cases(count, seed, options["images_per_case"], options["batch"],
                             options["workers"], options["defer_indexes"])
        if readers:
            self.write_readers(readers, attempts_per_reader, seed)

    def write_cases(self, count, seed, images_per_case, batch, workers, defer_indexes):
        writer = Writer(seed, images_per_case)
        plan = parallel.Plan(count, batch)
        processes = self.processes(workers, plan)
        started = time.monotonic()
        done = images = 0
        tables = writer.tables.names()
        with deferred(tables, self.stdout) if defer_indexes else nullcontext():
            for written in self.batches(writer, plan, processes):
                done += written.cases
                images += written.images
                elapsed = time.monotonic() - started
                self.stdout.write(f"  {done}/{count} cases, {done / elapsed:.0f} cases/s")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"generated: {done} cases, {images} images in {elapsed:.1f} s "
            f"({done / elapsed:.0f} cases/s, {processes} writer process"
            f"{'es' if processes > 1 else ''})"
        ))

    def processes(self, workers, plan):
        """Writer processes: as asked, else one per core up to two on PostgreSQL (storing is
        PostgreSQL's work and composing Python's, so two keep two cores busy) and one on SQLite,
        which takes one writer at a time. Inside a transaction (a test's) there is one: other
        processes could not see its uncommitted rows."""
        if connection.in_atomic_block:
            if workers and workers > 1:
                raise CommandError("--workers above 1 cannot run inside a transaction.")
            return 1
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
        return max(1, min(workers, plan.batches))

    def batches(self, writer, plan, processes):
        if processes > 1:
            yield from parallel.write_batches(writer, plan, processes)
            return
        for number in range(plan.batches):
            with transaction.atomic():
                written = writer.write(*plan.bounds(number))
            yield written

    def write_readers(self, readers, attempts_per_reader, seed):
        started = time.monotonic()
        writer = synthetic_readers.ReaderWriter(seed)
        for done, _ in enumerate(writer.write(readers, attempts_per_reader), start=1):
            if done % 10 == 0 or done == readers:
                rate = done * attempts_per_reader / (time.monotonic() - started)
                self.stdout.write(f"  {done}/{readers} readers, {rate:.0f} attempts/s")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"generated: {readers} readers, {readers * attempts_per_reader} attempts "
            f"in {elapsed:.1f} s"
        ))
