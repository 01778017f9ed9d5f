"""A flood of requests for a handout renders it once: each PDF is made once per content of the
case, workflow and paper, kept in storage and served from there (cases/handouts.py).

Renders are counted at WeasyPrint's `Document.write_pdf`, which still runs: a request that
renders is one a stranger can use to keep a worker busy for seconds."""

from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.document import Document

from cases.handouts import folder
from cases.models import Case
from tests.factories import MARKERS, make_case, marker_case

FLOOD = 6


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """Storage of this test's own: case ids come back after a rollback, their files would not."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def renders(monkeypatch):
    """The number of PDFs WeasyPrint has written so far."""
    count = [0]
    write_pdf = Document.write_pdf

    def counted(self, *args, **kwargs):
        count[0] += 1
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(Document, "write_pdf", counted)
    return count


@pytest.fixture
def case(alice):
    return marker_case(alice)


def download(url):
    response = Client().get(url)
    assert response.status_code == 200
    return PdfReader(BytesIO(response.getvalue()))


def text_of(reader):
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def stored_files(case):
    if not default_storage.exists(folder(case.pk)):
        return []
    return sorted(default_storage.listdir(folder(case.pk))[1])


def test_many_requests_for_the_same_pdf_render_it_once(case, renders):
    url = reverse("cases:handout_pair", args=[case.pk])
    for _ in range(FLOOD):
        download(url)
    assert renders[0] == 1
    assert len(stored_files(case)) == 1


def test_a_change_to_the_case_makes_the_next_request_render_a_new_pdf(case, renders):
    url = reverse("cases:handout", args=["standard", case.pk])
    download(url)
    case.history = "Fell on an outstretched hand while skating."
    case.save()
    assert "outstretched hand while skating" in text_of(download(url))
    download(url)
    assert renders[0] == 2
    assert len(stored_files(case)) == 1, "the old version is deleted"


def test_academic_and_standard_handouts_are_separate_files(case):
    standard = download(reverse("cases:handout", args=["standard", case.pk]))
    academic = download(reverse("cases:handout", args=["academic", case.pk]))
    assert MARKERS["diagnosis"] in text_of(standard)
    assert not any(marker in text_of(academic) for marker in MARKERS.values())
    files = stored_files(case)
    assert [name.split("-")[0] for name in files] == ["academic", "standard"]
    with default_storage.open(f"{folder(case.pk)}/{files[0]}", "rb") as academic_file:
        stored = academic_file.read().decode("latin-1")
    assert not any(marker in stored for marker in MARKERS.values())


def test_an_unpublished_cases_stored_pdf_is_not_served(case):
    url = reverse("cases:handout", args=["standard", case.pk])
    download(url)
    assert stored_files(case)
    case.status = Case.Status.DRAFT
    case.save()
    assert Client().get(url).status_code == 404


def test_a_stored_pdf_is_served_without_loading_the_case(case, django_assert_max_num_queries):
    url = reverse("cases:handout_pair", args=[case.pk])
    download(url)
    with django_assert_max_num_queries(2):  # the content version, and is it published: two rows
        download(url)


def test_the_sweep_deletes_the_stored_pdfs_of_a_deleted_case(case, alice):
    kept = make_case(alice)
    for one in (case, kept):
        download(reverse("cases:handout", args=["standard", one.pk]))
    gone = stored_files(case)
    case.delete()
    call_command("sweep_orphans", verbosity=0)
    assert not stored_files(case) and gone
    assert stored_files(kept)
