"""Who reads a set, in which workflow, and what each page shows them."""

import pytest
from django.urls import reverse

from tests.casesets.conftest import NOTE
from tests.factories import client_for
from tests.pages import h1_count, text_of


def set_url(case_set, workflow="academic", name="detail", token=None):
    return reverse(f"casesets:{name}", args=[workflow, token or case_set.token])


@pytest.mark.parametrize("name", ["detail", "present"])
@pytest.mark.parametrize("who", ["client", "resident", "dora"])
def test_a_private_set_is_404_to_everyone_but_its_owner(who, name, request, make_adams_set):
    private = make_adams_set("private")
    client = request.getfixturevalue(who)
    client = client if who == "client" else client_for(client)
    for workflow in ("academic", "standard"):
        assert client.get(set_url(private, workflow, name)).status_code in (403, 404)
    assert client.get(set_url(private, "academic", name)).status_code == 404
    assert client.get(reverse("casesets:replay", args=[private.token, 1])).status_code in (302, 404)
    assert client_for(private.owner).get(set_url(private, "academic", name)).status_code == 200


def test_a_private_sets_replay_is_404_to_a_logged_in_reader(resident, make_adams_set):
    private = make_adams_set("private")
    response = client_for(resident).get(reverse("casesets:replay", args=[private.token, 1]))
    assert response.status_code == 404


def test_a_shared_set_is_read_by_its_link_and_a_wrong_token_is_404(client, shared_set):
    assert client.get(set_url(shared_set)).status_code == 200
    assert client.get(set_url(shared_set, token=shared_set.token[:-1] + "x")).status_code == 404
    assert client.get(set_url(shared_set, token=str(shared_set.pk))).status_code == 404


def test_only_listed_sets_appear_on_the_list_page(client, make_adams_set):
    shared, listed = make_adams_set("shared"), make_adams_set("listed")
    listed.name = "Listed chest conference"
    listed.save()
    page = client.get(reverse("casesets:list")).content.decode()
    assert listed.token in page
    assert shared.token not in page


def test_the_owner_finds_all_their_sets_on_the_list_page(attending, make_adams_set):
    private = make_adams_set("private")
    page = client_for(attending).get(reverse("casesets:list"))
    assert private.token in page.content.decode()
    assert "New set" in text_of(page)


def test_the_academic_set_page_shows_unknowns_and_links_to_the_replay(client, shared_set):
    page = client.get(set_url(shared_set))
    text = text_of(page)
    assert h1_count(page) == 1
    assert "Unknown 1" in text and "History number 2." in text
    assert "Set case title" not in text and "Set diagnosis" not in text
    assert reverse("casesets:replay", args=[shared_set.token, 3]) in page.content.decode()


def test_a_resident_may_not_read_the_standard_set_page(resident, shared_set):
    client = client_for(resident)
    assert client.get(set_url(shared_set, "standard")).status_code == 403
    assert client.get(set_url(shared_set, "standard", "present")).status_code == 403


def test_the_standard_set_page_shows_titles_and_the_owners_notes_to_the_owner(
    attending, shared_set
):
    text = text_of(client_for(attending).get(set_url(shared_set, "standard")))
    assert "1. Set case title 1" in text
    assert NOTE in text


def test_another_attending_reads_the_standard_page_without_the_notes(dora, shared_set):
    text = text_of(client_for(dora).get(set_url(shared_set, "standard")))
    assert "Set case title 1" in text
    assert NOTE not in text
    assert "Edit the set" not in text


def test_the_owner_presents_with_every_reveal_step_and_the_notes(attending, shared_set):
    page = client_for(attending).get(set_url(shared_set, "standard", "present"))
    html = page.content.decode()
    assert 'data-steps="2"' in html
    assert "Set diagnosis 3" in html and NOTE in html
    assert html.count('class="slide"') == 3


def test_another_standard_reader_presents_with_the_answers_but_no_notes(dora, shared_set):
    html = client_for(dora).get(set_url(shared_set, "standard", "present")).content.decode()
    assert 'data-steps="2"' in html and "Set diagnosis 1" in html
    assert NOTE not in html
    assert 'data-action="notes"' not in html


def test_a_shared_link_presents_unknowns_only_in_academic(resident, shared_set):
    """A resident following the presenter on their own screen: nothing to reveal is sent."""
    page = client_for(resident).get(set_url(shared_set, "academic", "present") + "?case=2&step=2")
    html = page.content.decode()
    assert 'data-steps="0"' in html
    assert "Unknown 2" in html
    assert "Set diagnosis" not in html and "Set case title" not in html and NOTE not in html
    assert 'data-action="reveal"' not in html


def test_the_owner_presenting_in_academic_sends_no_answer_and_no_notes(attending, shared_set):
    html = client_for(attending).get(set_url(shared_set, "academic", "present")).content.decode()
    assert 'data-steps="0"' in html
    assert "Set diagnosis" not in html and NOTE not in html


def test_a_withdrawn_case_is_gone_from_the_sets_pages(attending, shared_set, three_cases):
    three_cases[0].status = "draft"
    three_cases[0].save()
    client = client_for(attending)
    assert "Unknown 1" not in text_of(client.get(set_url(shared_set)))
    html = client.get(set_url(shared_set, "standard", "present")).content.decode()
    assert html.count('class="slide"') == 2 and "Set diagnosis 1" not in html


def test_the_set_page_is_never_stored_for_another_reader(client, shared_set):
    response = client.get(set_url(shared_set))
    assert "private" in response["Cache-Control"]
