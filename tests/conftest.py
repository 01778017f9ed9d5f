"""Personas and a small case factory shared by the tests.

The personas follow the roles a department assigns (cases/roles.py): Alice and Bob contribute
cases, Erin edits and publishes, Adam is an attending and Rita a resident; the `client` fixture is
the anonymous visitor. Everything is built in code: no fixture files, no patient data.
"""

import re
from html import unescape
from io import BytesIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.utils.html import strip_tags
from PIL import Image as PILImage

from cases import roles
from cases.models import Anatomy, Case, DiagnosticCategory, Modality, Study
from dicom.archive import Member
from tests.dicom_factory import ct_series
from viewer.uploads import add_files


@pytest.fixture(autouse=True)
def fresh_cache():
    """The homepage statistics live in the cache, which outlives each test's transaction."""
    cache.clear()
    yield
    cache.clear()


def make_user(username, group=None, is_staff=False):
    user = get_user_model().objects.create_user(
        username=username, password="correct horse battery", is_staff=is_staff
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def alice(db):
    """A contributor: staff, writes her own cases."""
    return make_user("alice", roles.CONTRIBUTORS, is_staff=True)


@pytest.fixture
def bob(db):
    """Another contributor, whose cases Alice must not touch."""
    return make_user("bob", roles.CONTRIBUTORS, is_staff=True)


@pytest.fixture
def editor(db):
    """An editor: changes any case and publishes."""
    return make_user("erin", roles.EDITORS, is_staff=True)


@pytest.fixture
def attending(db):
    return make_user("adam", roles.ATTENDINGS)


@pytest.fixture
def resident(db):
    return make_user("rita", roles.RESIDENTS)


def client_for(user, **kwargs):
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


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
    members = [
        Member(f"picture{n}.png", lambda data=png_bytes(shade=(40 * n) % 256): BytesIO(data), 0)
        for n in range(count)
    ]
    before = set(study.images.values_list("pk", flat=True))
    add_files(study.case, members, study=study)
    return list(study.images.exclude(pk__in=before).order_by("position"))


def add_dicom(study, files):
    """DICOM files (bytes) uploaded to the study through the ingest pipeline; their series."""
    members = [Member(f"slice{n}.dcm", lambda data=data: BytesIO(data), len(data))
               for n, data in enumerate(files)]
    add_files(study.case, members, study=study)
    return study.series.exclude(uid="").get()


# --- cases ------------------------------------------------------------------------------------


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
        for image, caption in zip(made, captions):
            image.caption = caption
            image.save()
    case.refresh_from_db()
    return case


# --- reading pages ----------------------------------------------------------------------------


def streamed(response):
    """The bytes of a file response. Reading them to the end is what closes the response here: the
    test client then closes the file without closing the database connection, which a second
    response.close() would do (fatal on PostgreSQL inside a test's transaction)."""
    return b"".join(response.streaming_content)


def text_of(response):
    """The visible text of an HTML response, whitespace collapsed, entities decoded."""
    return " ".join(unescape(strip_tags(response.content.decode())).split())


def html_of(response):
    """The HTML with entities decoded, so URLs can be looked for as written."""
    return unescape(response.content.decode())


def h1_count(response):
    return len(re.findall(r"<h1[\s>]", response.content.decode(), flags=re.IGNORECASE))


def csrf_token_in(response):
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, "the page carries no form with a CSRF token"
    return found.group(1)


def assert_friendly_error_page(response, status):
    """A page in the site's layout, not Django's bare one: one heading, the site's name and a way
    back to the homepage."""
    assert response.status_code == status
    assert h1_count(response) == 1
    body = response.content.decode()
    assert settings.SITE_NAME in body
    assert 'href="/"' in body


@pytest.fixture
def ct_case(alice):
    """A published case: a study with two pictures, then a 5-slice CT series (uploaded in reverse
    order) described "Axial soft tissue"."""
    case = make_case(alice, images=2, modality="CT", captions=["Pictured first", "Pictured second"])
    series = add_dicom(case.studies.get(), ct_series(5))
    series.description = "Axial soft tissue"
    series.save()
    return case
