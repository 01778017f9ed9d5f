"""A logged-in reader's user read from the shared cache (accounts/cached_users.py): no query for
it on a page, and every change that matters to a session seen by the very next request: the reader
deactivated, their password changed, their group taken away (from either side, or deleted)."""

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import cached_users
from cases import roles
from tests.factories import client_for

BROWSE = reverse("cases:browse", args=["academic"])
STANDARD = reverse("cases:browse", args=["standard"])
REVIEW = reverse("attempts:review_due")  # login required


def logged_in(client, path=BROWSE):
    response = client.get(path)
    return response.wsgi_request.user.is_authenticated


def user_queries(client, path=BROWSE):
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return [q["sql"] for q in queries if '"accounts_user' in q["sql"]]


def test_a_page_seen_before_sends_no_query_for_its_reader(shared_users, resident):
    client = client_for(resident)
    client.get(BROWSE)
    assert user_queries(client) == []
    assert logged_in(client)


def test_without_a_shared_cache_the_reader_is_read_from_the_database(resident):
    client = client_for(resident)
    client.get(BROWSE)
    assert user_queries(client) != []


def test_the_copy_holds_no_password_hash(shared_users, resident):
    client_for(resident).get(BROWSE)
    copy = cache.get(f"accounts:user:{resident.pk}")
    assert copy["fields"]["username"] == "rita"
    assert resident.password not in repr(copy)


def test_a_user_from_the_copy_saved_keeps_their_password(shared_users, resident):
    cached_users.user(resident.pk)
    copy = cached_users.user(resident.pk)
    assert "password" not in copy.__dict__  # read from the copy, not the database
    copy.display_name = "Rita Resident, MD"
    copy.save()
    resident.refresh_from_db()
    assert resident.display_name == "Rita Resident, MD"
    assert resident.check_password("correct horse battery")


def test_a_deactivated_reader_is_logged_out_at_once(
    shared_users, resident, django_capture_on_commit_callbacks
):
    client = client_for(resident)
    assert logged_in(client) and logged_in(client)
    with django_capture_on_commit_callbacks(execute=True):
        resident.is_active = False
        resident.save()
    assert not logged_in(client)
    assert client.get(REVIEW).status_code == 302  # to the login page


def test_a_changed_password_logs_out_the_other_sessions(
    shared_users, resident, django_capture_on_commit_callbacks
):
    client = client_for(resident)
    assert logged_in(client) and logged_in(client)
    with django_capture_on_commit_callbacks(execute=True):
        resident.set_password("a new and longer passphrase")
        resident.save()
    assert not logged_in(client)


def test_the_session_that_changed_the_password_stays_logged_in(
    shared_users, alice, django_capture_on_commit_callbacks
):
    """Through the admin's own page, which changes request.user: here read from the copy."""
    client, other = client_for(alice), client_for(alice)
    for each in (client, other):
        assert logged_in(each) and logged_in(each)
    new = "a new and longer passphrase"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:password_change"), {
            "old_password": "correct horse battery", "new_password1": new, "new_password2": new,
        })  # fmt: skip
    assert response.status_code == 302
    assert logged_in(client)
    assert not logged_in(other)


@pytest.mark.parametrize("how", ["user's side", "group's side", "group cleared", "group deleted",
                                 "group renamed"])  # fmt: skip
def test_an_attending_whose_group_goes_loses_standard_at_once(
    how, shared_users, settings, attending, django_capture_on_commit_callbacks
):
    settings.STANDARD_WORKFLOW_GROUPS = [roles.ATTENDINGS]
    client = client_for(attending)
    assert client.get(STANDARD).status_code == 200
    assert client.get(STANDARD).status_code == 200  # the copy, with its group
    group = Group.objects.get(name=roles.ATTENDINGS)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "user's side":
            attending.groups.remove(group)
        elif how == "group's side":
            group.user_set.remove(attending)
        elif how == "group cleared":
            group.user_set.clear()
        elif how == "group deleted":
            group.delete()
        else:
            group.name = "Former attendings"
            group.save()
    assert client.get(STANDARD).status_code == 403


def test_a_resident_given_the_group_gets_standard_at_once(
    shared_users, settings, resident, django_capture_on_commit_callbacks
):
    settings.STANDARD_WORKFLOW_GROUPS = [roles.ATTENDINGS]
    client = client_for(resident)
    assert client.get(STANDARD).status_code == 403
    assert client.get(STANDARD).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        Group.objects.get(name=roles.ATTENDINGS).user_set.add(resident)
    assert client.get(STANDARD).status_code == 200


def test_a_copy_read_before_a_change_committed_is_never_used(
    shared_users, resident, monkeypatch, django_capture_on_commit_callbacks
):
    """A reader missed the copy and read the row; the user is deactivated and the change commits
    before that reader stores its copy. The copy carries the stamp the change replaced."""
    read = cached_users._read

    def read_then_change(pk):
        found = read(pk)
        with django_capture_on_commit_callbacks(execute=True):
            type(found).objects.filter(pk=pk).update(is_active=False)
            cached_users.forget(pk)  # as the signal does for a save
        return found

    monkeypatch.setattr(cached_users, "_read", read_then_change)
    assert cached_users.user(resident.pk).is_active  # what that reader read
    monkeypatch.setattr(cached_users, "_read", read)
    assert not cached_users.user(resident.pk).is_active


def test_a_deleted_user_is_logged_out(shared_users, resident, django_capture_on_commit_callbacks):
    client = client_for(resident)
    assert logged_in(client) and logged_in(client)
    with django_capture_on_commit_callbacks(execute=True):
        resident.delete()
    assert not logged_in(client)


def test_the_session_hash_is_djangos_for_the_password_and_key_of_the_moment(resident, settings):
    first = resident.get_session_auth_hash()
    assert first == AbstractBaseUser.get_session_auth_hash(resident)
    assert resident.get_session_auth_hash() == first

    settings.SECRET_KEY = "another key " + settings.SECRET_KEY
    assert resident.get_session_auth_hash() != first
    assert resident.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(resident)

    resident.set_password("another password")
    assert resident.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(resident)
