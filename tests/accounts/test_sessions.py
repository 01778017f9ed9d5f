"""A logged-in reader's session and user read from Redis in one round trip (accounts/sessions.py):
the session's key carries the user's id as a hint, and only as a hint."""

from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.crypto import get_random_string

from accounts.middleware import AuthenticationMiddleware
from accounts.sessions import SessionStore, hinted_user, user_hint_for
from tests.factories import client_for, session_of


def user_of_request(session_key):
    """request.user as the site's middleware finds it for a request with this session cookie."""
    request = RequestFactory().get("/", HTTP_COOKIE=f"sessionid={session_key}")

    def view(request):
        return HttpResponse()

    SessionMiddleware(view).process_request(request)
    AuthenticationMiddleware(view).process_request(request)
    assert request.user.is_authenticated in (True, False)  # the lazy user read now
    return request.user


def test_a_logged_in_session_key_carries_its_user_id(shared_users, resident):
    client = client_for(resident)
    assert hinted_user(client.session.session_key) == resident.pk


def test_the_session_and_its_user_come_in_one_round_trip(shared_users, resident, cache_commands):
    key = client_for(resident).session.session_key
    user_of_request(key)  # the user's copy made
    cache_commands.clear()
    assert user_of_request(key) == resident
    assert cache_commands == ["MGET"]


def test_the_user_is_the_one_the_session_names_not_the_key(shared_users, resident, attending):
    forged = session_of(resident, get_random_string(32) + user_hint_for(attending.pk))
    user_of_request(session_of(attending, get_random_string(32) + user_hint_for(attending.pk)))
    assert user_of_request(forged) == resident
    assert user_of_request(forged) == resident  # with the attending's copy in the cache too


def test_a_session_whose_key_carries_no_id_still_logs_in(shared_users, resident):
    assert user_of_request(session_of(resident, get_random_string(32))) == resident


def test_a_key_naming_a_user_but_unknown_is_nobody(shared_users, resident):
    client_for(resident)
    assert not user_of_request(get_random_string(32) + user_hint_for(resident.pk)).is_authenticated


def test_a_session_not_in_the_cache_is_read_from_the_database(shared_users, resident):
    key = client_for(resident).session.session_key
    SessionStore(key)._cache.delete(SessionStore(key).cache_key)
    assert user_of_request(key) == resident


def test_a_key_holds_at_most_what_the_session_table_does():
    assert user_hint_for(1234567) == "-1234567"
    assert user_hint_for(12345678) == ""  # 32 random characters, "-" and 8 digits: over 40
    assert user_hint_for("1 OR 1") == ""
    assert hinted_user("abc-12") == 12
    assert hinted_user("abc") is None and hinted_user("abc-") is None and hinted_user(None) is None


def test_a_sessions_data_decodes_alike_each_time_and_into_a_dict_of_its_own():
    store = SessionStore()
    data = store.encode({"revealed": [3, 4], "workflow": "academic"})

    first = store.decode(data)
    first["revealed"].append(5)

    assert store.decode(data) == {"revealed": [3, 4], "workflow": "academic"}


def test_a_sessions_data_altered_decodes_to_an_empty_session(caplog):
    store = SessionStore()
    data = store.encode({"_auth_user_id": "7"})
    store.decode(data)  # checked once: the altered copy is still checked

    altered = data[:-1] + ("A" if data[-1] != "A" else "B")  # its signature's last character

    assert store.decode(altered) == {}
    assert "Session data corrupted" in caplog.text


def test_a_sessions_data_holds_only_while_its_key_is_the_sites(settings):
    store = SessionStore()
    settings.SECRET_KEY_FALLBACKS = []
    data = store.encode({"_auth_user_id": "7"})
    old_key = settings.SECRET_KEY

    settings.SECRET_KEY = "a new key " + old_key
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert store.decode(data) == {"_auth_user_id": "7"}  # rotated: the old key still reads it

    settings.SECRET_KEY_FALLBACKS = []
    assert store.decode(data) == {}
