"""`python manage.py generate_cases N`: many synthetic published cases, fast, for load tests.

Every case is made up (cases/synthetic/): text composed from word lists, ages and vocabularies
drawn at random (deterministically with --seed), authors a handful of synthetic contributor
accounts (usernames start with "synthetic-"), references with DOIs under 10.5555, the DOI test
prefix, and pictures a few stored grey renditions that every synthetic image shares. Rows go in
by bulk insert, one transaction per batch.

`--readers N --attempts-per-reader M` then adds N residents (synthetic-reader-1 to -N, password
"synthetic-reader") who each answered M distinct published cases, with the reviews the
scheduler gave them (cases/synthetic/readers.py). `generate_cases 0 --readers ...` adds readers
to the cases a database already holds.
"""

import argparse
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.synthetic import readers as synthetic_readers
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
        "Create N synthetic published cases with bulk inserts, for load and performance tests. "
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
        parser.add_argument("--readers", type=at_least_zero, default=0,
                            help="Residents to create, synthetic-reader-1 to -N (default 0).")
        parser.add_argument("--attempts-per-reader", type=at_least_zero, default=0,
                            help="Distinct published cases each reader answered (default 0).")

    def handle(self, *args, count, seed, readers, attempts_per_reader, **options):
        synthetic_readers.check(readers, attempts_per_reader, new_cases=count)
        if count:
            self.write_cases(count, seed, options["images_per_case"], options["batch"])
        if readers:
            self.write_readers(readers, attempts_per_reader, seed)

    def write_cases(self, count, seed, images_per_case, batch):
        writer = Writer(seed, images_per_case)
        started = time.monotonic()
        done = images = 0
        while done < count:
            size = min(batch, count - done)
            with transaction.atomic():
                drafts = writer.write(size)
            done += size
            images += sum(len(draft.images) for draft in drafts)
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {done}/{count} cases, {done / elapsed:.0f} cases/s")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"generated: {done} cases, {images} images in {elapsed:.1f} s")
        )

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
