"""A logged-in reader's session and user read in the statement of the page they ask for
(accounts/reading.py): academic browse with marks and a draw of the reader's own cases cost one
query and no round trip to Redis, and what they show is only ever the session's own user's."""

from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.middleware import AuthenticationMiddleware
from accounts.reading import SessionRead
from accounts.sessions import SessionStore, user_hint_for
from attempts.models import Grade, Review
from cases import memory, roles
from cases.caching import content_version
from tests.cases.test_query_counts import add_cases
from tests.factories import client_for, session_of

BROWSE = reverse("cases:browse", args=["academic"])
RANDOM = reverse("cases:random", args=["academic"])
MARKS = 'class="card-marks"'


@pytest.fixture
def shelf(alice, bob, resident, attending):
    """Four published cases: the resident missed the first (due since yesterday); the attending
    answered all four right."""
    cases = add_cases([alice, bob], 4, images=1)
    yesterday, later = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=9)
    Review.objects.create(reader=resident, case=cases[0], last_grade=Grade.MISSED, due=yesterday)
    for case in cases:
        Review.objects.create(reader=attending, case=case, last_grade=Grade.CORRECT, due=later)
    return cases


def page_of(client, url=BROWSE, query=None):
    """The page as a reader who asked for it before finds it (cached, and cut, by this process)."""
    client.get(url, query)
    return again(client, url, query)


def again(client, url=BROWSE, query=None):
    """The page; a draw starts from the first random key, so that it never wraps round (a second
    query)."""
    with mock.patch("cases.memory.random.random", return_value=0.0):
        return client.get(url, query)


def drawn(response):
    """The id of the case a draw sends the reader to."""
    return resolve(urlsplit(response["Location"]).path).kwargs["pk"]


def with_cookie(key):
    client = Client()
    client.cookies["sessionid"] = key
    return client


def test_browse_with_marks_reads_the_session_and_user_beside_them_in_one_query(
    shared_users, shelf, resident, cache_commands, django_assert_num_queries
):
    client = client_for(resident)
    client.get(BROWSE)
    cache_commands.clear()
    with django_assert_num_queries(1):
        page = again(client).content.decode()
    assert "MGET" not in cache_commands  # no session read from Redis (the page may be)
    assert page.count(MARKS) == 1
    assert resident.username in page


@pytest.mark.parametrize("choice", ["unseen", "missed", "due"])
def test_a_draw_of_the_readers_own_cases_reads_the_session_and_user_in_its_query(
    choice, shared_users, shelf, resident, cache_commands, django_assert_num_queries
):
    client = client_for(resident)
    client.get(RANDOM, {"memory": choice})
    cache_commands.clear()
    with django_assert_num_queries(1):
        response = again(client, RANDOM, {"memory": choice})
    assert cache_commands == []
    expected = shelf[1:] if choice == "unseen" else shelf[:1]
    assert response.status_code == 302
    assert drawn(response) in {case.pk for case in expected}


def test_a_case_page_reads_the_session_and_user_beside_its_version_in_one_query(
    shared_users, shelf, resident, cache_commands, django_assert_num_queries
):
    client = client_for(resident)
    url = reverse("cases:detail", args=["academic", shelf[1].pk])
    client.get(url)
    cache_commands.clear()
    with django_assert_num_queries(1):
        page = client.get(url).content.decode()
    assert "MGET" not in cache_commands  # no session read from Redis (the page may be)
    assert resident.username in page and 'name="csrfmiddlewaretoken"' in page


def test_a_key_naming_another_reader_shows_the_marks_of_the_sessions_own(
    shared_users, shelf, resident, attending
):
    page_of(client_for(attending))  # the attending's marks on every card, their page cut
    forged = session_of(resident, get_random_string(32) + user_hint_for(attending.pk))
    page = page_of(with_cookie(forged)).content.decode()
    assert page.count(MARKS) == 1
    assert resident.username in page and attending.username not in page


def test_a_key_naming_another_reader_draws_from_the_sessions_own_cases(
    shared_users, shelf, resident, attending
):
    forged = session_of(resident, get_random_string(32) + user_hint_for(attending.pk))
    response = page_of(with_cookie(forged), RANDOM, {"memory": "missed"})  # the attending: none
    assert drawn(response) == shelf[0].pk


def test_a_session_ended_elsewhere_is_anonymous_at_once(shared_users, shelf, resident):
    client = client_for(resident)
    assert page_of(client).content.decode().count(MARKS) == 1
    SessionStore(client.session.session_key).delete()  # logged out through another worker
    page = page_of(client).content.decode()
    assert MARKS not in page and resident.username not in page


def test_a_reader_deactivated_without_signals_is_logged_out_at_once(shared_users, shelf, resident):
    client = client_for(resident)
    page_of(client)
    get_user_model().objects.filter(pk=resident.pk).update(is_active=False)  # no stamp drawn
    page = client.get(BROWSE).content.decode()
    assert MARKS not in page and resident.username not in page
    assert "memory=" not in client.get(RANDOM, {"memory": "missed"})["Location"]  # anyone's draw


def test_a_changed_password_ends_the_session(shared_users, shelf, resident):
    client = client_for(resident)
    page_of(client)
    resident.set_password("another horse battery")
    resident.save()
    page = client.get(BROWSE).content.decode()
    assert MARKS not in page and resident.username not in page


def test_joining_a_group_that_reads_standard_changes_the_header_at_once(
    shared_users, settings, shelf, resident
):
    settings.STANDARD_WORKFLOW_GROUPS = [roles.ATTENDINGS]
    client = client_for(resident)
    standard = f'href="{reverse("cases:browse", args=["standard"])}"'
    assert standard not in page_of(client).content.decode()
    resident.groups.add(Group.objects.get(name=roles.ATTENDINGS))
    page = page_of(client).content.decode()
    assert standard in page and page.count(MARKS) == 1


def test_the_user_read_beside_the_page_is_the_user_the_database_holds(
    shared_users, shelf, resident
):
    request = RequestFactory().get(BROWSE)
    request.COOKIES["sessionid"] = client_for(resident).session.session_key
    SessionMiddleware(HttpResponse).process_request(request)
    AuthenticationMiddleware(HttpResponse).process_request(request)
    read = SessionRead.of(request)

    version, marks = memory.with_version([case.pk for case in shelf], read.pk, read=read)

    assert (version, list(marks)) == (content_version(), [shelf[0].pk])
    stored = get_user_model().objects.get(pk=resident.pk)
    for field in stored._meta.concrete_fields:  # the same values, of the same types
        got, kept = getattr(request.user, field.attname), getattr(stored, field.attname)
        assert (got, type(got)) == (kept, type(kept)), field.name
    assert request.user.group_names == {roles.RESIDENTS}
    assert request.user.last_login.tzinfo is not None


def test_a_session_already_read_or_without_an_id_in_its_key_is_not_read_again(
    shared_users, resident
):
    request = RequestFactory().get(BROWSE)
    request.COOKIES["sessionid"] = session_of(resident, get_random_string(32))
    SessionMiddleware(HttpResponse).process_request(request)
    assert SessionRead.of(request) is None  # no id to read the page's rows for
    request.COOKIES["sessionid"] = client_for(resident).session.session_key
    SessionMiddleware(HttpResponse).process_request(request)
    assert SessionRead.of(request) is not None
    request.session.get("anything")  # read as any page reads it
    assert SessionRead.of(request) is None
