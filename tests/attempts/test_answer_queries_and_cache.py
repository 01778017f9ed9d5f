"""The answer page costs the same queries however many cases and attempts there are, and the
cached case page never carries one reader's answer form state to another."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attempts.models import Attempt
from tests.attempts.test_answering import commit, opened_token_in
from tests.cases.test_query_counts import add_cases
from tests.factories import client_for


def answer_page_queries(client, case):
    url = commit(client, case)["Location"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"show": "all"}).status_code == 200
    return len(queries)


def test_the_answer_page_costs_the_same_queries_with_more_cases_and_attempts(
    alice, bob, resident, other_resident, django_assert_max_num_queries
):
    client = client_for(resident)
    small = answer_page_queries(client, add_cases([alice], 1, images=1)[0])

    many = add_cases([alice, bob], 20, images=3)
    for case in many[:10]:
        commit(client, case)
        commit(client_for(other_resident), case)
    largest = many[-1]
    url = commit(client, largest)["Location"]
    assert Attempt.objects.count() > 20
    with django_assert_max_num_queries(small) as large:
        client.get(url, {"show": "all"})
    print(f"\n[query count] answer page: {small} with 1 case, {len(large)} with 21 cases "
          f"and {Attempt.objects.count()} attempts")


def test_the_committing_post_costs_the_same_queries_with_more_cases(
    alice, bob, resident, django_assert_max_num_queries
):
    client = client_for(resident)
    first = add_cases([alice], 1, images=1)[0]
    with CaptureQueriesContext(connection) as small:
        commit(client, first)
    largest = add_cases([alice, bob], 10, images=3)[-1]
    with django_assert_max_num_queries(len(small)):
        commit(client, largest)


def test_each_reader_gets_a_token_of_their_own_from_the_cached_page(
    secret_case, resident, other_resident, client
):
    url = secret_case.get_absolute_url("academic")
    mine = opened_token_in(client_for(resident).get(url))
    theirs = opened_token_in(client_for(other_resident).get(url))
    assert mine != theirs
    anonymous = client.get(url).content.decode()
    assert mine not in anonymous and theirs not in anonymous
    assert 'name="opened"' not in anonymous


def test_a_readers_answer_never_reaches_the_cached_case_page(secret_case, resident, other_resident):
    commit(client_for(resident), secret_case, diagnosis="Unusual-answer-4711")
    url = secret_case.get_absolute_url("academic")
    for visitor in (other_resident, resident, None):
        body = client_for(visitor).get(url).content.decode()
        assert "Unusual-answer-4711" not in body
    assert reverse("attempts:commit", args=[secret_case.pk]) in client_for(
        other_resident
    ).get(url).content.decode()
