"""Synthetic cases as plain records, before they have ids: what the writer turns into rows.

Each case draws from a random source of its own, seeded by the run's seed and the case's number
in the run, so the same seed makes the same cases whatever the batch size or the number of
worker processes, and a case is composed without the ones before it. The records carry the
attributes cases.search.texts_of() reads, so the search vectors are built from them as from
saved rows.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from cases.ages import age_in_days
from cases.models import Case, new_deid_salt
from cases.synthetic import compose

SPREAD = timedelta(days=15 * 365)  # created dates reach this far back
SEXES = (Case.Sex.FEMALE, Case.Sex.MALE, Case.Sex.FEMALE, Case.Sex.MALE, Case.Sex.UNKNOWN,
         Case.Sex.OTHER)
DIFFICULTIES = tuple(Case.Difficulty.values)
CERTAINTIES = tuple(Case.Certainty.values)


class Differential(NamedTuple):
    diagnosis: str


class ImageDraft(NamedTuple):
    caption: str
    picture: object  # a pictures.StoredPicture


@dataclass(slots=True)
class StudyDraft:
    """A study with its one series (named as the study) and that series' images."""

    modality: object  # a Modality
    description: str
    findings: str
    position: int
    images: list = field(default_factory=list)


@dataclass(slots=True)
class CaseDraft:
    number: int  # the case's place in the run, which seeds it
    title: str
    unknown_title: str
    history: str
    age_value: int
    age_unit: str
    age_days: int
    sex: str
    anatomy: object  # an Anatomy
    category: object  # a DiagnosticCategory
    difficulty: str
    certainty: str
    diagnosis: str
    discussion: str
    author_id: int
    created: object
    published_at: object
    random_key: float
    deid_salt: str
    studies: list = field(default_factory=list)
    differentials: list = field(default_factory=list)
    references: list = field(default_factory=list)  # (citation, doi)
    tags: list = field(default_factory=list)  # taggit Tags

    @property
    def anatomy_id(self):
        return self.anatomy.pk

    @property
    def category_id(self):
        return self.category.pk


@dataclass(frozen=True)
class Choices:
    """What drafts are drawn from: read from the database once per run."""

    anatomy: list
    categories: list
    modalities: list
    author_ids: list
    tags: list
    pictures: list
    images_per_case: int
    now: object


def case_random(seed, number):
    """The random source of the case at this place in a run of this seed (a string seed:
    Python hashes it with SHA-512, the same on every machine and every run)."""
    return random.Random(f"synthetic/{seed}/{number}")


def draft(choices, seed, number):
    rng = case_random(seed, number)
    words = compose.Composer(rng)
    anatomy = rng.choice(choices.anatomy)
    diagnosis, site = words.diagnosis_and_site(anatomy.slug)
    age_value, age_unit = words.age()
    created = choices.now - SPREAD * rng.random()
    case = CaseDraft(
        number=number,
        title=compose.title(diagnosis, site),
        unknown_title=words.unknown_title(age_value, age_unit),
        history=words.history(age_value, age_unit),
        age_value=age_value,
        age_unit=age_unit,
        age_days=age_in_days(age_value, age_unit),
        sex=rng.choice(SEXES),
        anatomy=anatomy,
        category=rng.choice(choices.categories),
        difficulty=rng.choice(DIFFICULTIES),
        certainty=rng.choice(CERTAINTIES),
        diagnosis=compose.capitalised(diagnosis),
        discussion=words.discussion(diagnosis, site),
        author_id=rng.choice(choices.author_ids),
        created=created,
        published_at=min(created + timedelta(days=rng.expovariate(1 / 20)), choices.now),
        random_key=rng.random(),
        # Never from the seed: the salt keys the de-identification of any DICOM added later.
        deid_salt=new_deid_salt(),
    )
    fill(case, choices, rng, words, diagnosis, site)
    return case


def fill(case, choices, rng, words, diagnosis, site):
    """The case's studies with their images, its differentials, references and tags."""
    for position in range(rng.choice((1, 1, 2))):
        modality = rng.choice(choices.modalities)
        study = StudyDraft(modality=modality, description=words.exam(modality),
                           findings=words.findings(site), position=position)
        # Synthetic pictures carry no text, so no series is flagged for burned-in text.
        study.images = [ImageDraft(words.caption(), rng.choice(choices.pictures))
                        for _ in range(choices.images_per_case)]
        case.studies.append(study)
    case.differentials = [Differential(name) for name in words.differentials(diagnosis)]
    case.references = [words.reference(diagnosis) for _ in range(rng.randint(1, 3))]
    # In id order, the order the site's refresh reads them in: a tag's place in the vector is
    # part of it.
    case.tags = sorted(rng.sample(choices.tags, rng.choice((0, 1, 1, 2, 3))), key=tag_id)


def tag_id(tag):
    return tag.pk
