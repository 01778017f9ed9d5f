"""Making and changing sets through their pages: the attending who owns a set changes it; anyone
else gets 404 from its owner's URLs (403 where making sets at all is refused), and anonymous
visitors are sent to log in. Bad input keeps what was typed and says what is wrong."""

import pytest
from django.urls import reverse

from casesets.models import CaseSet
from tests.factories import client_for, make_set
from tests.pages import text_of


def shown_ids(case_set):
    return list(case_set.items.shown().values_list("case_id", flat=True))


def test_an_attending_makes_a_set_and_lands_on_its_edit_page(attending):
    response = client_for(attending).post(
        reverse("casesets:new"),
        {"name": "Chest conference", "date": "2026-12-09", "visibility": "listed"},
    )
    case_set = CaseSet.objects.get()
    assert response["Location"] == reverse("casesets:edit", args=[case_set.pk])
    assert (case_set.owner, case_set.name, str(case_set.date)) == (
        attending, "Chest conference", "2026-12-09"
    )


def test_a_set_with_a_bad_date_is_refused_with_what_was_typed_kept(attending):
    response = client_for(attending).post(
        reverse("casesets:new"), {"name": "Chest conference", "date": "31/31/2026"}
    )
    assert response.status_code == 400
    assert "Enter a valid date" in text_of(response)
    assert 'value="Chest conference"' in response.content.decode()
    assert not CaseSet.objects.exists()


@pytest.mark.parametrize("who", ["resident", "alice"])
def test_readers_without_the_permission_may_not_make_sets(who, request):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("casesets:new")).status_code == 403
    assert client.post(reverse("casesets:new"), {"name": "Mine"}).status_code == 403
    assert client.get(reverse("casesets:add"), {"case": 1}).status_code == 403
    assert not CaseSet.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_to_make_a_set(client):
    response = client.get(reverse("casesets:new"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_standard_case_page_offers_adding_the_case_to_a_set(attending, three_cases):
    case = three_cases[0]
    page = client_for(attending).get(case.get_absolute_url("standard"))
    assert f'{reverse("casesets:add")}?case={case.pk}' in page.content.decode()


def test_a_case_is_added_from_its_page_to_an_existing_set(attending, three_cases):
    case_set = make_set(attending, three_cases[:1])
    client = client_for(attending)
    url = f"{reverse('casesets:add')}?case={three_cases[2].pk}"
    assert three_cases[2].title in text_of(client.get(url))  # standard: titles are shown
    response = client.post(url, {"cases": [three_cases[2].pk], "case_set": case_set.pk})
    assert response["Location"] == reverse("casesets:edit", args=[case_set.pk])
    assert shown_ids(case_set) == [three_cases[0].pk, three_cases[2].pk]


def test_a_page_of_browse_results_is_added_in_its_order_to_a_new_set(attending, three_cases):
    client = client_for(attending)
    browse = client.get(reverse("cases:browse", args=["standard"]), {"sort": "oldest"})
    assert f'{reverse("casesets:add")}?sort=oldest' in browse.content.decode()
    url = f"{reverse('casesets:add')}?sort=oldest"
    picked = [three_cases[2].pk, three_cases[0].pk]
    client.post(url, {"cases": picked, "new_name": "From browse"})
    case_set = CaseSet.objects.get(name="From browse")
    assert shown_ids(case_set) == [three_cases[0].pk, three_cases[2].pk]  # oldest first


def test_adding_without_choosing_a_set_says_so_and_adds_nothing(attending, three_cases):
    url = f"{reverse('casesets:add')}?case={three_cases[0].pk}"
    response = client_for(attending).post(url, {"cases": [three_cases[0].pk]})
    assert response.status_code == 400
    assert "Choose one of your sets, or name a new one." in text_of(response)
    assert not CaseSet.objects.exists()


def test_the_owner_reorders_annotates_and_removes_cases(attending, shared_set, three_cases):
    client = client_for(attending)
    first, second, third = shared_set.items.shown()
    client.post(reverse("casesets:item_move", args=[shared_set.pk, third.pk]), {"direction": "up"})
    assert shown_ids(shared_set) == [three_cases[0].pk, three_cases[2].pk, three_cases[1].pk]
    client.post(
        reverse("casesets:item_notes", args=[shared_set.pk, second.pk]),
        {f"item-{second.pk}-notes": "Point at the fat pad."},
    )
    second.refresh_from_db()
    assert second.notes == "Point at the fat pad."
    client.post(reverse("casesets:item_remove", args=[shared_set.pk, first.pk]))
    assert shown_ids(shared_set) == [three_cases[2].pk, three_cases[1].pk]


def test_the_owner_changes_the_settings_and_gets_a_new_link(attending, shared_set):
    client = client_for(attending)
    old = shared_set.token
    client.post(
        reverse("casesets:edit", args=[shared_set.pk]), {"name": "Renamed", "visibility": "listed"}
    )
    client.post(reverse("casesets:new_link", args=[shared_set.pk]))
    shared_set.refresh_from_db()
    assert (shared_set.name, shared_set.visibility) == ("Renamed", "listed")
    assert shared_set.token != old
    assert client.get(reverse("casesets:detail", args=["academic", old])).status_code == 404


def test_a_blank_name_is_refused_and_the_set_keeps_its_own(attending, shared_set):
    response = client_for(attending).post(
        reverse("casesets:edit", args=[shared_set.pk]), {"name": " ", "visibility": "listed"}
    )
    assert response.status_code == 400
    assert "Give the set a name." in text_of(response)
    shared_set.refresh_from_db()
    assert shared_set.name == "Wednesday MSK conference"


def test_the_owner_deletes_the_set(attending, shared_set):
    response = client_for(attending).post(reverse("casesets:delete", args=[shared_set.pk]))
    assert response["Location"] == reverse("casesets:list")
    assert not CaseSet.objects.exists()


def owner_urls(case_set):
    item = case_set.items.shown().first()
    on_set, on_item = [case_set.pk], [case_set.pk, item.pk]
    return [
        ("get", reverse("casesets:edit", args=on_set), {}),
        ("post", reverse("casesets:edit", args=on_set), {"name": "Taken", "visibility": "listed"}),
        ("post", reverse("casesets:new_link", args=on_set), {}),
        ("post", reverse("casesets:delete", args=on_set), {}),
        ("post", reverse("casesets:item_notes", args=on_item), {f"item-{item.pk}-notes": "Mine"}),
        ("post", reverse("casesets:item_move", args=on_item), {"direction": "down"}),
        ("post", reverse("casesets:item_remove", args=on_item), {}),
    ]


@pytest.mark.parametrize("who", ["dora", "resident", "editor"])
def test_nobody_but_the_owner_changes_a_set(who, request, shared_set):
    client = client_for(request.getfixturevalue(who))
    before = (shared_set.name, shared_set.token, shown_ids(shared_set))
    for method, url, data in owner_urls(shared_set):
        assert getattr(client, method)(url, data).status_code == 404, url
    shared_set.refresh_from_db()
    assert (shared_set.name, shared_set.token, shown_ids(shared_set)) == before
    assert shared_set.items.shown().first().notes != "Mine"


def test_anonymous_visitors_change_nothing(client, shared_set):
    for method, url, data in owner_urls(shared_set):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert CaseSet.objects.get().name == "Wednesday MSK conference"


def test_an_attending_cannot_add_cases_to_another_attendings_set(dora, shared_set, three_cases):
    url = f"{reverse('casesets:add')}?case={three_cases[0].pk}"
    response = client_for(dora).post(url, {"cases": [three_cases[0].pk], "case_set": shared_set.pk})
    assert response.status_code == 400
    assert shared_set.items.count() == 3
