"""A set's handout and deck (casesets/downloads.py): the unknowns alone in academic, with no
hidden field anywhere in either file; the answers in standard; the set's reading rules; each file
made once per content and replaced when the set changes; a deleted set's files go with it."""

from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from casesets.downloads import folder
from tests.cases.test_handouts import everything_in
from tests.cases.test_handouts import markers_in as markers_in_text
from tests.cases.test_slides import markers_in as markers_in_deck
from tests.factories import MARKERS, client_for, make_set, marker_case


@pytest.fixture
def marked_set(attending, alice, three_cases):
    """Adam's shared set: a case with a marker in every hidden field, then three plain ones."""
    return make_set(attending, [marker_case(alice), *three_cases], visibility="shared")


def url(kind, workflow, case_set, **query):
    path = reverse(f"casesets:{kind}", args=[workflow, case_set.token])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def content(response):
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def stored_files(case_set):
    directory = folder(case_set.pk)
    return default_storage.listdir(directory)[1] if default_storage.exists(directory) else []


@pytest.fixture(autouse=True)
def no_files_of_earlier_tests(marked_set):
    """Media outlive a test's rows, and a set's id may come again in the next test."""
    for name in stored_files(marked_set):
        default_storage.delete(f"{folder(marked_set.pk)}/{name}")


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_academic_handout_of_a_set_holds_no_hidden_field(marked_set, resident, paper):
    response = client_for(resident).get(url("handout", "academic", marked_set, paper=paper))
    data = content(response)
    reader = PdfReader(BytesIO(data))
    assert markers_in_text(everything_in(reader)) == []
    assert markers_in_text(data.decode("latin-1")) == []
    assert "History number 1." in everything_in(reader)
    filename = f"set-{marked_set.pk}-unknowns-{paper}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_the_academic_deck_of_a_set_holds_no_hidden_field(marked_set, resident):
    data = content(client_for(resident).get(url("slides", "academic", marked_set)))
    assert markers_in_deck(data) == []


@pytest.mark.parametrize("kind", ["handout", "slides"])
@pytest.mark.parametrize("part", ["answers", "both", "everything"])
def test_academic_never_sends_the_answers_of_a_set(marked_set, resident, attending, kind, part):
    for reader in (resident, attending):
        response = client_for(reader).get(url(kind, "academic", marked_set, part=part))
        assert response.status_code == 404
        assert MARKERS["diagnosis"].encode() not in response.content


def test_the_standard_downloads_hold_the_answers(marked_set, attending):
    client = client_for(attending)
    reader = PdfReader(BytesIO(content(client.get(url("handout", "standard", marked_set,
                                                       part="both")))))
    assert "diagnosis" in markers_in_text(everything_in(reader))
    deck = content(client.get(url("slides", "standard", marked_set, part="answers")))
    assert "diagnosis" in markers_in_deck(deck)


def test_a_resident_cannot_have_the_standard_downloads(marked_set, resident):
    for kind in ("handout", "slides"):
        response = client_for(resident).get(url(kind, "standard", marked_set, part="answers"))
        assert response.status_code == 403


def test_a_private_set_or_a_wrong_token_has_no_downloads(make_adams_set, dora, resident):
    private = make_adams_set("private")
    for reader in (dora, resident, None):
        assert client_for(reader).get(url("handout", "academic", private)).status_code == 404
    wrong = reverse("casesets:slides", args=["academic", "not-the-token"])
    assert client_for(dora).get(wrong).status_code == 404


def test_a_file_is_made_once_and_replaced_when_the_set_changes(marked_set, attending, resident):
    client = client_for(resident)
    content(client.get(url("slides", "academic", marked_set)))
    first = stored_files(marked_set)
    content(client_for(attending).get(url("slides", "academic", marked_set)))
    assert stored_files(marked_set) == first  # the second reader was served the same file
    item = marked_set.items.order_by("position").first()
    marked_set.move(item, 1)
    content(client.get(url("slides", "academic", marked_set)))
    assert len(stored_files(marked_set)) == 1
    assert stored_files(marked_set) != first


def test_a_deleted_sets_files_go_with_it(marked_set, resident, django_capture_on_commit_callbacks):
    content(client_for(resident).get(url("handout", "academic", marked_set)))
    assert stored_files(marked_set)
    with django_capture_on_commit_callbacks(execute=True):
        marked_set.delete()
    assert stored_files(marked_set) == []


def test_the_set_page_links_its_downloads_per_workflow(marked_set, resident, attending):
    academic = client_for(resident).get(marked_set.get_absolute_url("academic")).content.decode()
    assert url("handout", "academic", marked_set, part="unknowns") in academic
    assert "part=answers" not in academic and "part=both" not in academic
    standard = client_for(attending).get(marked_set.get_absolute_url("standard")).content.decode()
    assert "part=both" in standard and "part=answers" in standard
