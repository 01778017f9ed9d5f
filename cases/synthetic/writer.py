"""The rows of synthetic cases, composed in memory and written a batch at a time.

A batch is composed as plain records (drafts.py), given ids drawn ahead (loading.allocate), and
written as rows of column values (rows.py) by COPY on PostgreSQL (loading.py). Nothing goes
through Case.save() or the post_save signals, so what they would derive is written here: the
fields save() computes (age_days), the cover (the first image, as Case.ensure_cover picks it),
the search vectors (computed by PostgreSQL from cases.search.texts_of(), in the insert), the
search lexicon, and the rest by cases.derived.added_in_bulk (the content version, at the
batch's commit). The viewer's
Series and Image are reached through their relations to Study (cases/models/parts.py).
"""

import secrets
from contextlib import nullcontext
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from taggit.models import Tag

from cases import derived, search
from cases.models import Anatomy, Case, DiagnosticCategory, Modality
from cases.roles import CONTRIBUTORS
from cases.synthetic import compose, drafts, loading, rows
from cases.synthetic.pictures import ensure_pictures

USERNAME_PREFIX = "synthetic-"

# (username suffix, first name, last name, display name)
AUTHORS = (
    ("avery", "Avery", "Marsh", "Avery Marsh, MD"),
    ("blake", "Blake", "Okafor", "Blake Okafor, MD PhD"),
    ("casey", "Casey", "Lindqvist", "Casey Lindqvist, MD FACR"),
    ("devon", "Devon", "Tanaka", "Devon Tanaka, DO"),
    ("emery", "Emery", "Castillo", "Emery Castillo, MBBS FRCR"),
    ("finley", "Finley", "Novak", "Finley Novak, MD"),
)


@dataclass
class Written:
    """What one batch wrote."""

    cases: int
    images: int


class Writer:
    """Vocabularies, authors, tags and pictures are read or made once; write() adds a batch.

    Without a seed the run draws one, so that its cases are still each seeded by their number
    (drafts.case_random) and a run split over processes composes the same cases."""

    def __init__(self, seed=None, images_per_case=1, now=None):
        self.seed = seed if seed is not None else secrets.randbits(64)
        anatomy = list(Anatomy.objects.all())
        categories = list(DiagnosticCategory.objects.all())
        modalities = list(Modality.objects.all())
        if not (anatomy and categories and modalities):
            raise CommandError("The vocabularies are empty: run `manage.py migrate` first.")
        self.choices = drafts.Choices(
            anatomy=anatomy, categories=categories, modalities=modalities,
            author_ids=[user.pk for user in ensure_authors()],
            tags=[Tag.objects.get_or_create(name=name)[0] for name in compose.WORDS["tags"]],
            pictures=ensure_pictures(), images_per_case=images_per_case,
            now=now or timezone.now(),
        )
        self.case_type_id = ContentType.objects.get_for_model(Case).pk
        self.tables = rows.tables()

    def draft(self, number):
        return drafts.draft(self.choices, self.seed, number)

    def write(self, first, size, turn=None):
        """Compose cases number first to first + size - 1 of the run and write them with their
        rows and what derives from them. Call it inside a transaction: the content version
        changes at its commit. turn, a context manager, is held while the ids are drawn: a
        worker process waits there for the batches before its own (parallel.py)."""
        batch = [self.draft(number) for number in range(first, first + size)]
        texts = ([search.texts_of(d, d.studies, d.differentials, d.tags) for d in batch]
                 if search.ranks() else None)
        with connection.cursor() as cursor:
            with turn or nullcontext():
                ids = self.allocate(cursor, batch)
            values = rows.values(batch, ids, self.case_type_id, timezone.now())
            self.insert(cursor, values, texts)
            loading.add_to_lexicon(cursor, ids.cases)
        derived.added_in_bulk(ids.cases)
        return Written(cases=len(batch), images=len(values["image"]))

    def allocate(self, cursor, batch):
        cases, studies, images = rows.counts(batch)
        t = self.tables
        return rows.Ids(
            cases=loading.allocate(cursor, t.case.name, cases),
            studies=loading.allocate(cursor, t.study.name, studies),
            series=loading.allocate(cursor, t.series.name, studies),
            images=loading.allocate(cursor, t.image.name, images),
        )

    def insert(self, cursor, values, texts):
        t = self.tables
        loading.write_cases(cursor, t.case, t.case.rows(values["case"]), texts)
        for name in ("study", "series", "image", "differential", "reference", "tagged"):
            table = getattr(t, name)
            loading.write(cursor, table, table.rows(values[name]))


def ensure_authors():
    """The synthetic contributor accounts (no usable password), created if missing."""
    group = Group.objects.get_or_create(name=CONTRIBUTORS)[0]
    authors = []
    for suffix, first, last, display in AUTHORS:
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME_PREFIX + suffix,
            defaults={"first_name": first, "last_name": last, "display_name": display,
                      "email": f"{USERNAME_PREFIX}{suffix}@example.org", "is_staff": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(group)
        authors.append(user)
    return authors
