"""Builders shared by the tests: people, pictures, uploads and cases, all made in code (no
fixture files, no patient data).

The personas follow the roles a department assigns (cases/roles.py): the fixtures in
tests/conftest.py make Alice and Bob (contributors), Erin (editor), Adam (attending) and Rita
(resident) with make_user.
"""

import importlib
from io import BytesIO

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from PIL import Image as PILImage

from accounts.sessions import SessionStore
from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Modality, Reference, Study
from cases.models.parts import AcceptedAnswer
from casesets.models import CaseSet
from dicom.archive import Member
from viewer.models import Annotation
from viewer.uploads import add_files

# --- people -----------------------------------------------------------------------------------


def make_user(username, group=None, is_staff=False):
    user = get_user_model().objects.create_user(
        username=username, password="correct horse battery", is_staff=is_staff
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def client_for(user, **kwargs):
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def session_of(user, key):
    """A session logged in as user, stored under the key given."""
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                    BACKEND_SESSION_KEY: "accounts.backends.UserBackend"})  # fmt: skip
    session._session_key = key
    session.save(must_create=True)
    return key


# --- pictures ---------------------------------------------------------------------------------


def picture(size=(24, 16), shade=128, mode="L"):
    colour = shade if mode == "L" else (shade, 255 - shade, 64)
    return PILImage.new(mode, size, colour)


def png_bytes(size=(24, 16), shade=128):
    out = BytesIO()
    picture(size, shade).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(24, 16), shade=128, **save_options):
    out = BytesIO()
    picture(size, shade, mode="RGB").save(out, "JPEG", **save_options)
    return out.getvalue()


def add_pictures(study, count):
    """count PNG pictures uploaded to the study through the ingest pipeline; the new images."""
    members = [_member(f"picture{n}.png", png_bytes(shade=(40 * n) % 256), 0) for n in range(count)]
    before = set(study.images.values_list("pk", flat=True))
    add_files(study.case, members, study=study)
    return list(study.images.exclude(pk__in=before).order_by("position"))


def add_dicom(study, files):
    """DICOM files (bytes) uploaded to the study through the ingest pipeline; their series."""
    members = [_member(f"slice{n}.dcm", data, len(data)) for n, data in enumerate(files)]
    add_files(study.case, members, study=study)
    return study.series.exclude(uid="").get()


def _member(name, data, size):
    return Member(name, lambda: BytesIO(data), size)


# --- cases ------------------------------------------------------------------------------------


def seed_vocabularies():
    """The anatomy, categories and modalities the migrations seed, again: a transactional test
    ends with a flush, which empties them for the tests after it."""
    from django.apps import apps

    importlib.import_module("cases.migrations.0003_vocabularies").seed(apps, None)


def vocabulary(model, value, field="slug"):
    """A seeded term by slug (or code), or the model instance itself."""
    return value if isinstance(value, model) else model.objects.get(**{field: value})


def make_case(
    author,
    *,
    images=1,
    modality="CR",
    anatomy="musculoskeletal",
    category="trauma",
    status=Case.Status.PUBLISHED,
    tags=(),
    findings="",
    captions=(),
    **fields,
):
    """A case (published unless told) with one study of `images` rendered pictures."""
    fields.setdefault("title", "Salter-Harris II fracture of the distal radius")
    fields.setdefault("diagnosis", "Salter-Harris II fracture")
    fields.setdefault("history", "Fell on an outstretched hand.")
    fields.setdefault("age_value", 12)
    case = Case.objects.create(
        author=author,
        status=status,
        anatomy=vocabulary(Anatomy, anatomy),
        category=vocabulary(DiagnosticCategory, category),
        **fields,
    )
    if tags:
        case.tags.add(*tags)
    study = Study.objects.create(
        case=case,
        modality=vocabulary(Modality, modality, "code"),
        description="Two views",
        findings=findings,
    )
    if images:
        made = add_pictures(study, images)
        for image, caption in zip(made, captions, strict=False):  # captions may be fewer
            image.caption = caption
            image.save()
    case.refresh_from_db()
    return case


# --- a case with a marker in every field the academic workflow hides ---------------------------

MARKERS = {
    "title": "ZQXMARKER-title-101",
    "category": "ZQXMARKER-category-102",
    "diagnosis": "ZQXMARKER-diagnosis-103",
    "differential": "ZQXMARKER-differential-104",
    "findings": "ZQXMARKER-findings-105",
    "discussion": "ZQXMARKER-discussion-106",
    "citation": "ZQXMARKER-citation-107",
    "doi": "10.9999/ZQXMARKER-doi-108",
    "url": "https://example.org/ZQXMARKER-url-109",
    "pmid": "918273645",
    "tag": "ZQXMARKER-tag-110",
    "caption": "ZQXMARKER-caption-111",
    "accepted answer": "ZQXMARKER-accepted-112",
    "annotation": "ZQXMARKER-annotation-113",
}
# Certainty is a choice, so its label stands in for a marker.
CERTAINTY_LABEL = "Pathology-proven"


def marker_case(author, **fields):
    """A case with a marker string in every field the academic workflow hides (category, title,
    diagnosis, discussion, findings, certainty, tags, captions, differential, accepted answer,
    reference, an annotation label). Tests
    add studies or series to it and check what they send (tests.pages.leaked)."""
    category, _ = DiagnosticCategory.objects.get_or_create(  # a second marker case shares it
        slug=MARKERS["category"].lower(), defaults={"name": MARKERS["category"]}
    )
    values = dict(
        images=2,
        category=category,
        title=MARKERS["title"],
        unknown_title="Wrist pain after a fall",
        diagnosis=MARKERS["diagnosis"],
        discussion=MARKERS["discussion"],
        certainty=Case.Certainty.PATHOLOGY,
        findings=MARKERS["findings"],
        tags=[MARKERS["tag"]],
        captions=[MARKERS["caption"], MARKERS["caption"]],
    )
    case = make_case(author, **(values | fields))
    Differential.objects.create(case=case, diagnosis=MARKERS["differential"])
    AcceptedAnswer.objects.create(case=case, answer=MARKERS["accepted answer"])
    Reference.objects.create(
        case=case,
        citation=MARKERS["citation"],
        doi=MARKERS["doi"],
        url=MARKERS["url"],
        pmid=int(MARKERS["pmid"]),
    )
    image = case.studies.get().images.first()
    Annotation.objects.create(
        image=image, kind="text", points=[[4, 4]], label=MARKERS["annotation"], author=author
    )
    return case


# --- case sets --------------------------------------------------------------------------------


def make_set(owner, cases=(), visibility="private", name="Wednesday MSK conference", notes=()):
    """A case set of `owner` holding `cases` in order, with presenter notes for the first ones."""
    case_set = CaseSet.objects.create(owner=owner, name=name, visibility=visibility)
    case_set.add(list(cases))
    for item, text in zip(case_set.items.order_by("position"), notes, strict=False):
        item.notes = text
        item.save()
    return case_set
