"""`python manage.py generate_cases N`: many synthetic published cases, fast, for load tests.

Every case is made up (cases/synthetic/): text composed from word lists, ages and vocabularies
drawn at random (deterministically with --seed), authors a handful of synthetic contributor
accounts (usernames start with "synthetic-"), references with DOIs under 10.5555, the DOI test
prefix, and pictures a few stored grey renditions that every synthetic image shares. Rows go in
by bulk insert, one transaction per batch.
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.synthetic.writer import Writer


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Create N synthetic published cases with bulk inserts, for load and performance tests. "
        "Authors are synthetic-* accounts; images share a few stored files."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=positive, help="How many cases to create.")
        parser.add_argument("--images-per-case", type=positive, default=1,
                            help="Images in each study (default 1).")
        parser.add_argument("--seed", type=int, default=None,
                            help="Seed for the random choices: the same seed makes the same text.")
        parser.add_argument("--batch", type=positive, default=2000,
                            help="Cases per transaction (default 2000).")

    def handle(self, *args, count, images_per_case, seed, batch, **options):
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
