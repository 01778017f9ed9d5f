"""The rows of synthetic cases, built in memory and written by bulk insert, one batch at a time.

bulk_create runs neither Case.save() nor the post_save signals: the fields save() computes are
computed here, the covers are chosen as the cases are built, and cases/derived.py refreshes the
rest (search vectors, content version) once per batch from the rows held in memory. The
viewer's Series and Image are reached through their relations to Study (cases/models/parts.py).
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from cases import derived
from cases.ages import age_in_days
from cases.models import (
    Anatomy,
    Case,
    DiagnosticCategory,
    Differential,
    Modality,
    Reference,
    Study,
    new_deid_salt,
)
from cases.roles import CONTRIBUTORS
from cases.synthetic import compose
from cases.synthetic.pictures import ensure_pictures

USERNAME_PREFIX = "synthetic-"
SPREAD = timedelta(days=15 * 365)  # created dates reach this far back
BULK_BATCH = 1000
# bulk_update writes one CASE WHEN branch per case, which PostgreSQL walks for every row it
# updates: small batches keep that cost linear.
COVER_BATCH = 100
SEXES = (Case.Sex.FEMALE, Case.Sex.MALE, Case.Sex.FEMALE, Case.Sex.MALE, Case.Sex.UNKNOWN,
         Case.Sex.OTHER)

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
class Draft:
    """One case and its rows, built in memory before the batch's bulk inserts."""

    case: Case
    studies: list = field(default_factory=list)
    series: list = field(default_factory=list)
    images: list = field(default_factory=list)
    differentials: list = field(default_factory=list)
    references: list = field(default_factory=list)
    tags: list = field(default_factory=list)


class Writer:
    """Vocabularies, authors, tags and pictures are read or made once; write() adds a batch."""

    def __init__(self, seed=None, images_per_case=1):
        self.rng = random.Random(seed)
        self.compose = compose.Composer(self.rng)
        self.images_per_case = images_per_case
        self.now = timezone.now()
        self.anatomy = list(Anatomy.objects.all())
        self.categories = list(DiagnosticCategory.objects.all())
        self.modalities = list(Modality.objects.all())
        if not (self.anatomy and self.categories and self.modalities):
            raise CommandError("The vocabularies are empty: run `manage.py migrate` first.")
        self.authors = ensure_authors()
        self.tags = [Tag.objects.get_or_create(name=name)[0] for name in compose.WORDS["tags"]]
        self.case_type = ContentType.objects.get_for_model(Case)
        self.pictures = ensure_pictures()

    def write(self, size):
        """Build size cases, insert them with their rows and refresh what is derived from them;
        the drafts. Call it inside a transaction: the content version changes at its commit."""
        drafts = [self.draft() for _ in range(size)]
        self.insert(drafts)
        for draft in drafts:
            # The first image in Case.ensure_cover's order: first study, series and position.
            draft.case.cover_image = draft.images[0]
        set_covers([draft.case for draft in drafts])
        rows = {d.case.pk: (d.studies, d.differentials, d.tags) for d in drafts}
        derived.refresh_many([draft.case for draft in drafts], rows=rows)
        return drafts

    def insert(self, drafts):
        Case.objects.bulk_create([d.case for d in drafts], batch_size=BULK_BATCH)
        for model, kind in ((Study, "studies"), (Study.series_model(), "series"),
                            (Study.image_model(), "images"), (Differential, "differentials"),
                            (Reference, "references")):
            # Children were built around unsaved parents; bulk_create reads the parents' new pks.
            rows = [row for draft in drafts for row in getattr(draft, kind)]
            model.objects.bulk_create(rows, batch_size=BULK_BATCH)
        TaggedItem.objects.bulk_create(
            [TaggedItem(content_type=self.case_type, object_id=d.case.pk, tag=tag)
             for d in drafts for tag in d.tags],
            batch_size=BULK_BATCH,
        )

    def draft(self):
        rng, words = self.rng, self.compose
        anatomy = rng.choice(self.anatomy)
        diagnosis, site = words.diagnosis_and_site(anatomy.slug)
        age_value, age_unit = words.age()
        created = self.now - SPREAD * rng.random()
        published_at = min(created + timedelta(days=rng.expovariate(1 / 20)), self.now)
        case = Case(
            title=compose.title(diagnosis, site),
            unknown_title=words.unknown_title(age_value, age_unit),
            history=words.history(age_value, age_unit),
            age_value=age_value,
            age_unit=age_unit,
            age_days=age_in_days(age_value, age_unit),
            sex=rng.choice(SEXES),
            anatomy=anatomy,
            category=rng.choice(self.categories),
            difficulty=rng.choice(Case.Difficulty.values),
            certainty=rng.choice(Case.Certainty.values),
            diagnosis=compose.capitalised(diagnosis),
            discussion=words.discussion(diagnosis, site),
            author=rng.choice(self.authors),
            status=Case.Status.PUBLISHED,
            created=created,
            published_at=published_at,
            random_key=rng.random(),
            # Never from the seed: the salt keys the de-identification of any DICOM added later.
            deid_salt=new_deid_salt(),
        )
        return self.fill(Draft(case=case), diagnosis, site)

    def fill(self, draft, diagnosis, site):
        """The draft's studies with their images, its differentials, references and tags."""
        rng, case = self.rng, draft.case
        for position in range(rng.choice((1, 1, 2))):
            self.add_study(draft, position, site)
        draft.differentials = [
            Differential(case=case, diagnosis=name, position=i)
            for i, name in enumerate(self.compose.differentials(diagnosis))
        ]
        draft.references = [self.reference(case, diagnosis, i) for i in range(rng.randint(1, 3))]
        draft.tags = rng.sample(self.tags, rng.choice((0, 1, 1, 2, 3)))
        return draft

    def reference(self, case, diagnosis, position):
        citation, doi = self.compose.reference(diagnosis)
        return Reference(case=case, citation=citation, doi=doi, position=position)

    def add_study(self, draft, position, site):
        modality = self.rng.choice(self.modalities)
        description = self.compose.exam(modality)
        study = Study(
            case=draft.case, modality=modality, description=description, position=position,
            findings=self.compose.findings(site),
        )
        # Synthetic pictures carry no text, so no series is flagged for burned-in text.
        series = Study.series_model()(study=study, description=description, modality=modality.code)
        for number in range(self.images_per_case):
            picture = self.rng.choice(self.pictures)
            draft.images.append(Study.image_model()(
                series=series, study=study, position=number, caption=self.compose.caption(),
                full=picture.full, display=picture.display, thumbnail=picture.thumbnail,
                width=picture.width, height=picture.height,
            ))
        draft.studies.append(study)
        draft.series.append(series)


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


def set_covers(cases):
    """Save the covers draft() chose. `updated` goes too, set to the publication date:
    bulk_create stamped it with now (auto_now), and bulk_update leaves auto_now alone.
    (An UPDATE with a correlated subquery for the first image was tried: PostgreSQL plans
    it on statistics gathered before the batch and went quadratic past 50,000 cases.)"""
    for case in cases:
        case.updated = case.published_at
    Case.objects.bulk_update(cases, ["cover_image", "updated"], batch_size=COVER_BATCH)
