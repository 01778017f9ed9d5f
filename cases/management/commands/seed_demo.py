"""`python manage.py seed_demo`: demo accounts, one per role, and a handful of published cases.

The images are real DICOM samples of pydicom-data (MIT licensed; installed by
`pip install '.[demo]'`), uploaded through the same pipeline as a contributor's files, so they
are de-identified on the way in. The cases are data, in demo_cases.toml beside this file: their
clinical text is written for the teaching case, and nothing is copied from the files' headers.
The ultrasound goes in as a picture cropped to drop the text the scanner burned into its pixels.

Idempotent: accounts are keyed by username and cases by title, and what exists is left alone
(an existing account keeps its password; it is only put back in its group).
"""

import tomllib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pydicom
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Modality, Reference, Study
from cases.roles import ATTENDINGS, CONTRIBUTORS, EDITORS, RESIDENTS, ensure_groups
from cases.workflows import may_use_standard
from dicom.archive import Member
from dicom.frames import to_picture
from viewer.models import Image, Series
from viewer.uploads import add_files, cleanup_unpublished

CASES_FILE = Path(__file__).with_name("demo_cases.toml")
PASSWORD = "demo-password-2026"
INSTALL_HINT = "pip install '.[demo]'"


@dataclass(frozen=True)
class Account:
    username: str
    group: str
    first_name: str
    last_name: str
    display_name: str
    is_staff: bool


ACCOUNTS = (
    Account("editor", EDITORS, "Emily", "Editor", "Emily Editor, MD", True),
    Account(
        "contributor", CONTRIBUTORS, "Connor", "Contributor", "Connor Contributor, MD FACR", True
    ),
    Account("attending", ATTENDINGS, "Alex", "Attending", "Alex Attending, MD", False),
    Account("resident", RESIDENTS, "Riley", "Resident", "Riley Resident, MD", False),
)


@dataclass(frozen=True)
class Picture:
    """The images of one sample file (every frame of a multi-frame file). The caption may use
    {number} and {count} for the frame; crop is a Pillow box, for burned-in text."""

    file: str
    caption: str
    crop: tuple | None = None


@dataclass(frozen=True)
class StudySpec:
    modality: str  # DICOM code
    description: str
    findings: str
    series: str
    pictures: tuple


@dataclass(frozen=True)
class CaseSpec:
    title: str
    unknown_title: str
    history: str
    age: tuple  # (value, Case.AgeUnit)
    sex: str
    anatomy: str  # slug
    category: str  # slug
    difficulty: str
    certainty: str
    diagnosis: str
    discussion: str
    differentials: tuple
    studies: tuple
    references: tuple  # {"citation", and "pmid" and "doi" when known}
    tags: tuple = ()
    author: str = "contributor"


def load_cases(path=CASES_FILE):
    with path.open("rb") as data:
        return tuple(case_spec(unwrapped(case)) for case in tomllib.load(data)["case"])


def unwrapped(value):
    """Text as Markdown wraps it: the lines of a paragraph joined, blank lines kept."""
    if isinstance(value, str):
        return "\n\n".join(" ".join(p.split()) for p in value.strip().split("\n\n"))
    if isinstance(value, dict):
        return {key: unwrapped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrapped(item) for item in value]
    return value


def case_spec(case):
    """A [[case]] of the file as a CaseSpec: its age as (value, unit), its lists as tuples."""
    value, unit = case.pop("age").split()
    units = {label: code for code, label in Case.AgeUnit.choices}
    studies = tuple(study_spec(study) for study in case.pop("study"))
    lists = {key: tuple(case.pop(key, ())) for key in ("differentials", "reference", "tags")}
    return CaseSpec(
        **case,
        age=(int(value), units[unit]),
        studies=studies,
        differentials=lists["differentials"],
        references=lists["reference"],
        tags=lists["tags"],
    )


def study_spec(study):
    pictures = tuple(
        Picture(p["file"], p["caption"], tuple(p["crop"]) if "crop" in p else None)
        for p in study.pop("picture")
    )
    return StudySpec(**study, pictures=pictures)


CASES = load_cases()
SAMPLE_FILES = sorted({p.file for case in CASES for s in case.studies for p in s.pictures})


class Command(BaseCommand):
    help = (
        "Create demo accounts (one per role) and published teaching cases rendered from the "
        f"pydicom-data samples ({INSTALL_HINT}). Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        samples = self.samples_folder()
        ensure_groups()
        users = {account.username: self.ensure_account(account) for account in ACCOUNTS}
        for spec in CASES:
            case = self.ensure_case(spec, users[spec.author], samples)
            state = "created" if case else "exists, left alone"
            self.stdout.write(f"  {state}: {spec.title}")
        self.print_logins(users)

    def samples_folder(self):
        """The folder of pydicom-data's sample files, with every file the cases need."""
        try:
            import data_store
        except ImportError:
            raise CommandError(
                f"seed_demo renders its images from the pydicom-data samples: {INSTALL_HINT}"
            ) from None
        folder = Path(data_store.__file__).parent / "data"
        missing = [name for name in SAMPLE_FILES if not (folder / name).is_file()]
        if missing:
            raise CommandError(f"pydicom-data lacks {', '.join(missing)}: {INSTALL_HINT}")
        return folder

    def ensure_account(self, account):
        """The account, created with the demo password if new; in its group either way."""
        user, created = get_user_model().objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "display_name": account.display_name,
                "email": f"{account.username}@example.org",
                "is_staff": account.is_staff,
            },
        )
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=account.group)[0])
        return user

    def ensure_case(self, spec, author, samples):
        """Create the case unless one has its title; returns the new case, or None."""
        if Case.objects.filter(title=spec.title).exists():
            return None
        with cleanup_unpublished(), transaction.atomic():
            case = self.create_case(spec, author)
            for position, study in enumerate(spec.studies):
                self.add_study(case, study, samples, position)
            # Every demo image was looked at: none shows burned-in text (the ultrasound's was
            # cropped away above), so the flags the pipeline raised are confirmed here.
            for series in Series.objects.awaiting_confirmation(case):
                series.confirm_no_burned_in_text(author)
            case.status = Case.Status.PUBLISHED
            case.full_clean()
            case.save()
        return case

    def create_case(self, spec, author):
        value, unit = spec.age
        case = Case.objects.create(
            title=spec.title,
            unknown_title=spec.unknown_title,
            history=spec.history,
            age_value=value,
            age_unit=unit,
            sex=spec.sex,
            anatomy=Anatomy.objects.get(slug=spec.anatomy),
            category=DiagnosticCategory.objects.get(slug=spec.category),
            difficulty=spec.difficulty,
            certainty=spec.certainty,
            diagnosis=spec.diagnosis,
            discussion=spec.discussion,
            author=author,
            status=Case.Status.DRAFT,  # published once its images are in
        )
        self.add_answer(case, spec)
        return case

    def add_answer(self, case, spec):
        """Differentials, references and tags, in the order given."""
        Differential.objects.bulk_create(
            Differential(case=case, diagnosis=name, position=i)
            for i, name in enumerate(spec.differentials)
        )
        Reference.objects.bulk_create(
            Reference(case=case, position=i, **reference)
            for i, reference in enumerate(spec.references)
        )
        case.tags.add(*spec.tags)

    def add_study(self, case, spec, samples, position):
        """A study whose images come through the upload pipeline, as a contributor's would."""
        study = Study.objects.create(
            case=case,
            modality=Modality.objects.get(code=spec.modality),
            description=spec.description,
            findings=spec.findings,
            position=position,
        )
        for picture in spec.pictures:
            before = set(study.images.values_list("pk", flat=True))
            add_files(case, [self.member(picture, samples)], study=study)
            self.caption(study.images.exclude(pk__in=before), picture)
        study.series.update(description=spec.series)
        return study

    def member(self, picture, samples):
        """The sample file as an upload; a cropped picture as the PNG a contributor would send."""
        path = samples / picture.file
        if picture.crop:
            out = BytesIO()
            to_picture(pydicom.dcmread(path)).crop(picture.crop).save(out, "PNG")
            data = out.getvalue()
            return Member(f"{path.stem}.png", lambda: BytesIO(data), len(data))
        return Member(path.name, lambda: open(path, "rb"), path.stat().st_size)

    def caption(self, images, picture):
        images = list(images.order_by("position", "id"))
        for number, image in enumerate(images, start=1):
            image.caption = picture.caption.format(number=number, count=len(images))
        Image.objects.bulk_update(images, ["caption"])

    def print_logins(self, users):
        """Each account with its role, and its workflows under this run's settings
        (STANDARD_WORKFLOW_GROUPS: the .env of `make run` keeps the resident in academic)."""
        self.stdout.write(self.style.SUCCESS("\nDemo logins (change them before going public):"))
        self.stdout.write(f"  {'username':<12} {'password':<20} role")
        for account in ACCOUNTS:
            staff = ", admin at /admin/" if account.is_staff else ""
            standard = may_use_standard(users[account.username])
            reads = "standard and academic" if standard else "academic only"
            self.stdout.write(
                f"  {account.username:<12} {PASSWORD:<20} {account.group}{staff}; {reads}"
            )
