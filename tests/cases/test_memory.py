"""Academic browse remembers the logged-in reader: marks on the cards (seen, the latest grade,
due) and the filters unseen, missed and due for review, which random honours. Only the reader's
own reviews count, the shared cached results never hold them, and nothing hidden leaks."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attempts.models import Grade, Review
from cases.forms import MemoryForm
from tests.factories import client_for, make_case, marker_case
from tests.pages import html_of, leaked, text_of

BROWSE = reverse("cases:browse", args=["academic"])
RANDOM = reverse("cases:random", args=["academic"])
HOME = reverse("cases:home")


def remember(reader, case, grade, due_in_days):
    return Review.objects.create(
        reader=reader,
        case=case,
        last_grade=grade,
        due=timezone.now() + timedelta(days=due_in_days),
    )


@pytest.fixture
def shelf(alice):
    """Five published cases: three chest, two neuro."""
    names = ["correct", "missed_due", "partly", "unseen", "neuro_unseen"]
    return {
        name: make_case(alice, anatomy="neuro" if name.startswith("neuro") else "chest")
        for name in names
    }


@pytest.fixture
def rita_remembers(resident, shelf):
    remember(resident, shelf["correct"], Grade.CORRECT, due_in_days=30)
    remember(resident, shelf["missed_due"], Grade.MISSED, due_in_days=-1)
    remember(resident, shelf["partly"], Grade.PARTLY, due_in_days=2)
    return shelf


def card_of(html, case):
    """The HTML of the card linking to this case."""
    link = f'href="/academic/cases/{case.pk}/'
    start = html.rindex('<article class="card">', 0, html.index(link))
    return html[start:html.index("</article>", start)]


def found(response):
    return {int(pk) for pk in _linked_ids(response.content.decode())}


def _linked_ids(html):
    parts = html.split('class="card-link" href="/academic/cases/')[1:]
    return [part.split("/", 1)[0] for part in parts]


def test_cards_show_the_readers_marks(resident, rita_remembers):
    html = client_for(resident).get(BROWSE).content.decode()
    shelf = rita_remembers
    assert "Seen" in card_of(html, shelf["correct"])
    assert "Correct" in card_of(html, shelf["correct"])
    assert "Missed" in card_of(html, shelf["missed_due"])
    assert "Due" in card_of(html, shelf["missed_due"])
    assert "Partly right" in card_of(html, shelf["partly"])
    assert "Due" not in card_of(html, shelf["partly"])
    assert 'class="card-marks"' not in card_of(html, shelf["unseen"])
    assert "<!--mark:" not in html


def test_marks_are_merged_into_the_shared_cached_results(resident, attending, rita_remembers):
    client_for(attending).get(BROWSE)  # renders and caches the shared results first
    html = client_for(resident).get(BROWSE).content.decode()
    assert "Missed" in card_of(html, rita_remembers["missed_due"])


def test_another_reader_sees_none_of_the_readers_marks(resident, attending, rita_remembers):
    client_for(resident).get(BROWSE)
    html = client_for(attending).get(BROWSE).content.decode()
    assert 'class="card-marks"' not in html
    assert "mark-missed" not in html


def test_an_anonymous_visitor_sees_no_marks_and_no_filter(rita_remembers):
    for _ in range(2):  # rendered, then the whole cached page
        html = Client().get(BROWSE).content.decode()
        assert 'class="card-marks"' not in html and "<!--mark:" not in html
        assert 'name="memory"' not in html


def test_standard_cards_carry_no_marks(attending, rita_remembers):
    remember(attending, rita_remembers["correct"], Grade.CORRECT, due_in_days=-1)
    html = client_for(attending).get(reverse("cases:browse", args=["standard"])).content.decode()
    assert 'class="card-marks"' not in html and "<!--mark:" not in html


@pytest.mark.parametrize(
    "choice, expected",
    [
        ("unseen", {"unseen", "neuro_unseen"}),
        ("missed", {"missed_due"}),
        ("due", {"missed_due"}),
    ],
)
def test_the_readers_filters_select_their_own_cases(choice, expected, resident, rita_remembers):
    response = client_for(resident).get(BROWSE, {"memory": choice})
    assert found(response) == {rita_remembers[name].pk for name in expected}


def test_a_filter_combines_with_the_others_and_with_search(resident, rita_remembers):
    client = client_for(resident)
    assert found(client.get(BROWSE, {"memory": "unseen", "anatomy": "chest"})) == {
        rita_remembers["unseen"].pk
    }
    searched = client.get(BROWSE, {"memory": "unseen", "q": "outstretched hand"})
    assert found(searched) == {rita_remembers["unseen"].pk, rita_remembers["neuro_unseen"].pk}


def test_due_follows_time(resident, rita_remembers):
    Review.objects.filter(case=rita_remembers["partly"]).update(
        due=timezone.now() - timedelta(minutes=1)
    )
    response = client_for(resident).get(BROWSE, {"memory": "due"})
    assert found(response) == {rita_remembers["missed_due"].pk, rita_remembers["partly"].pk}


def test_filtered_results_follow_a_new_review_at_once(resident, rita_remembers):
    client = client_for(resident)
    assert rita_remembers["unseen"].pk in found(client.get(BROWSE, {"memory": "unseen"}))
    remember(resident, rita_remembers["unseen"], Grade.CORRECT, due_in_days=3)
    assert rita_remembers["unseen"].pk not in found(client.get(BROWSE, {"memory": "unseen"}))


def test_another_readers_reviews_do_not_filter_the_readers_cases(
    resident, attending, rita_remembers
):
    response = client_for(attending).get(BROWSE, {"memory": "unseen"})
    assert found(response) == {case.pk for case in rita_remembers.values()}
    assert found(client_for(attending).get(BROWSE, {"memory": "missed"})) == set()


def test_the_filter_is_kept_in_the_page_links(resident, rita_remembers):
    html = client_for(resident).get(BROWSE, {"memory": "unseen"}).content.decode()
    assert '<option value="unseen" selected>' in html
    assert f"{RANDOM}?memory=unseen" in html


def test_an_anonymous_visitor_asking_for_a_filter_gets_every_case(rita_remembers):
    assert found(Client().get(BROWSE, {"memory": "unseen"})) == {
        case.pk for case in rita_remembers.values()
    }


def test_a_wrong_filter_value_is_ignored(resident, rita_remembers):
    response = client_for(resident).get(BROWSE, {"memory": "everything"})
    assert response.status_code == 200
    assert len(found(response)) == len(rita_remembers)


@pytest.mark.parametrize(
    "query", ["", "memory=", "memory=unseen", "memory=missed", "memory=due", "memory=everything",
              "memory=Unseen", "memory=%20due", "memory=due&memory=nope", "memory=nope&memory=due"],
)  # fmt: skip
def test_the_filter_read_without_its_form_is_the_one_the_form_validates(resident, query):
    data = QueryDict(query)
    for reader in (resident, AnonymousUser()):
        assert MemoryForm.chosen(data, reader) == MemoryForm(data, reader).choice()


def test_a_wrong_filter_value_draws_from_every_case(resident, rita_remembers):
    response = client_for(resident).get(RANDOM, {"memory": "everything"})
    assert response.status_code == 302
    assert "memory" not in response["Location"]


def draws(client, cases, **query):
    """Where random lands when the draw falls at each of these cases' random keys (so every case
    is reached, whatever the gaps between keys), checking each redirect on the way."""
    landed = set()
    for case in cases:
        with mock.patch("cases.models.case.random.random", return_value=case.random_key):
            response = client.get(RANDOM, query)
        assert response.status_code == 302
        landed.add(int(response["Location"].split("/")[3]))
    return landed


def test_random_honours_unseen_with_the_other_filters(resident, rita_remembers):
    client, everything = client_for(resident), rita_remembers.values()
    assert draws(client, everything, memory="unseen") == {
        rita_remembers["unseen"].pk,
        rita_remembers["neuro_unseen"].pk,
    }
    assert draws(client, everything, memory="unseen", anatomy="chest") == {
        rita_remembers["unseen"].pk
    }
    response = client.get(RANDOM, {"memory": "unseen", "anatomy": "chest"})
    assert response["Location"].endswith("?anatomy=chest&memory=unseen")


@pytest.mark.parametrize("choice", ["missed", "due"])
def test_random_honours_missed_and_due(choice, resident, rita_remembers):
    landed = draws(client_for(resident), rita_remembers.values(), memory=choice)
    assert landed == {rita_remembers["missed_due"].pk}


def test_random_with_nothing_left_unseen_says_so(resident, rita_remembers):
    for name in ("unseen", "neuro_unseen"):
        remember(resident, rita_remembers[name], Grade.CORRECT, due_in_days=3)
    response = client_for(resident).get(RANDOM, {"memory": "unseen"})
    assert response.status_code == 404
    assert "You have answered every case these filters select" in text_of(response)


def test_the_homepage_offers_a_reader_an_unseen_case(resident, rita_remembers, client):
    unseen = f"{RANDOM}?memory=unseen"
    assert unseen in html_of(client_for(resident).get(HOME))
    assert unseen not in html_of(client.get(HOME))


def test_random_ignores_another_readers_reviews(resident, attending, rita_remembers):
    everything = rita_remembers.values()
    assert draws(client_for(attending), everything, memory="unseen") == {
        case.pk for case in everything
    }


# --- leaks: marks and filtered counts never carry a hidden field ------------------------------


@pytest.mark.parametrize(
    "choice, reviewed",
    [("", False), ("unseen", False), ("", True), ("missed", True), ("due", True)],
)
def test_marks_and_filtered_counts_leak_no_hidden_field(choice, reviewed, alice, resident):
    case = marker_case(alice)
    if reviewed:  # marked, and counted by the filter: still an unknown on the card
        remember(resident, case, Grade.MISSED, due_in_days=-1)
    response = client_for(resident).get(BROWSE, {"memory": choice})
    assert found(response) == {case.pk}
    assert leaked(response) == []


def test_a_page_seen_before_is_served_with_its_marks_in_one_query(
    shared_users, resident, rita_remembers, django_assert_num_queries
):
    client = client_for(resident)
    client.get(BROWSE)
    with django_assert_num_queries(1):  # the content version read beside the marks
        html = client.get(BROWSE).content.decode()
    assert "Missed" in card_of(html, rita_remembers["missed_due"])
    assert "Correct" in card_of(html, rita_remembers["correct"])
    assert 'class="card-marks"' not in card_of(html, rita_remembers["unseen"])
    assert "<!--mark:" not in html and "reader-name" not in html
    assert resident.get_username() in html


def test_a_page_seen_before_a_save_is_not_served_again(alice, resident, rita_remembers):
    client = client_for(resident)
    client.get(BROWSE)
    published_since = make_case(alice)
    assert published_since.pk in found(client.get(BROWSE))


def test_a_review_since_the_page_was_cached_is_marked_at_once(resident, rita_remembers):
    client = client_for(resident)
    client.get(BROWSE)
    remember(resident, rita_remembers["unseen"], Grade.MISSED, due_in_days=-1)
    html = client.get(BROWSE).content.decode()
    assert "Missed" in card_of(html, rita_remembers["unseen"])


def test_the_page_seen_before_by_one_reader_carries_the_next_readers_marks_only(
    resident, attending, rita_remembers
):
    client_for(resident).get(BROWSE)
    client_for(attending).get(BROWSE)
    html = client_for(attending).get(BROWSE).content.decode()
    assert 'class="card-marks"' not in html and resident.get_username() not in html
