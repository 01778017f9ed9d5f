"""Failed logins are throttled (issue #16, finding 3): 60 wrong passwords for an editor used to be
answered 200 each, and the right one then let the guesser in. Now a username at one address is
locked after AXES_FAILURE_LIMIT failures, on the site's login page and the admin's, the address
as a whole after LOGIN_ADDRESS_FAILURE_LIMIT, until the cool-off passes or an editor unlocks it."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import client_for
from tests.pages import text_of
from tests.repository.checkout import PROJECT, clean_environment

PASSWORD = "correct horse battery"  # every persona's (tests/factories.py)
LIMIT = settings.AXES_FAILURE_LIMIT
LOGIN_FORMS = ["login", "admin:login"]
ATTEMPTS = reverse("admin:axes_accessattempt_changelist")
BEHIND_A_PROXY = override_settings(
    AXES_IPWARE_META_PRECEDENCE_ORDER=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
)


def fail(client, username, times=LIMIT, form="login", **headers):
    for _ in range(times):
        client.post(reverse(form), {"username": username, "password": "wrong"}, **headers)


def log_in(client, username, form="login", **headers):
    return client.post(reverse(form), {"username": username, "password": PASSWORD}, **headers)


def logged_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def unlock(client, username):
    """The admin's delete action on the username's access attempts, confirmed."""
    attempts = AccessAttempt.objects.filter(username=username)
    return client.post(ATTEMPTS, {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [attempt.pk for attempt in attempts],
    })


@pytest.mark.parametrize("form", LOGIN_FORMS)
def test_after_the_limit_the_right_password_is_refused_with_the_lockout_page(form, editor):
    client = Client()
    fail(client, "erin", form=form)
    response = log_in(client, "erin", form=form)
    assert response.status_code == 429
    assert not logged_in(response)
    text = text_of(response)
    assert "Too many failed logins" in text
    assert "try again 15 minutes after your latest attempt" in text
    assert "ask one of this site's editors to unlock your login" in text


def test_failures_on_one_form_count_on_the_other(editor):
    client = Client()
    fail(client, "erin", times=LIMIT - 1, form="admin:login")
    fail(client, "erin", times=1, form="login")
    assert log_in(client, "erin", form="admin:login").status_code == 429


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(editor):
    client = Client()
    fail(client, "erin", times=LIMIT - 1)
    assert logged_in(log_in(client, "erin"))
    # The login forgave erin's own failures: the limit starts again.
    fail(Client(), "erin", times=LIMIT - 1)
    assert logged_in(log_in(Client(), "erin"))


def test_one_accounts_lock_leaves_other_accounts_at_the_same_address_alone(editor, alice):
    fail(Client(), "erin")
    assert log_in(Client(), "erin").status_code == 429
    assert logged_in(log_in(Client(), "alice"))


def test_one_accounts_lock_leaves_the_same_account_at_another_address_alone(editor):
    fail(Client(), "erin")
    assert log_in(Client(), "erin").status_code == 429
    assert logged_in(log_in(Client(REMOTE_ADDR="198.51.100.9"), "erin"))


def test_an_address_guessing_across_accounts_is_locked_at_its_own_limit(alice):
    client = Client()
    usernames = [f"guess{n}" for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT)]
    for username in usernames:
        fail(client, username, times=1)
    assert log_in(client, "alice").status_code == 429
    assert logged_in(log_in(Client(REMOTE_ADDR="198.51.100.9"), "alice"))


def test_the_lock_lifts_once_the_cool_off_has_passed(editor):
    fail(Client(), "erin")
    assert log_in(Client(), "erin").status_code == 429
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert logged_in(log_in(Client(), "erin"))


def test_an_editor_unlocks_a_login_in_the_admin(editor, alice):
    fail(Client(), "alice")
    assert log_in(Client(), "alice").status_code == 429
    editors_client = client_for(editor)
    assert "alice" in text_of(editors_client.get(ATTEMPTS))
    assert unlock(editors_client, "alice").status_code == 302
    assert logged_in(log_in(Client(), "alice"))


def test_a_contributor_cannot_unlock_a_login(alice, bob):
    fail(Client(), "bob")
    alices_client = client_for(alice)
    assert alices_client.get(ATTEMPTS).status_code == 403
    assert unlock(alices_client, "bob").status_code == 403
    assert log_in(Client(), "bob").status_code == 429


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(editor):
    client = Client()
    for n in range(LIMIT):
        fail(client, "erin", times=1, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert log_in(client, "erin", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429


@BEHIND_A_PROXY
def test_behind_a_trusted_proxy_the_address_it_forwards_is_the_one_locked(editor):
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    fail(proxy, "erin", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert log_in(proxy, "erin", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    # The client wrote the left entry; the proxy appended the address it saw.
    forged = "198.51.100.7, 203.0.113.5"
    assert log_in(proxy, "erin", HTTP_X_FORWARDED_FOR=forged).status_code == 429
    assert logged_in(log_in(proxy, "erin", HTTP_X_FORWARDED_FOR="203.0.113.6"))


def settings_with(**env):
    code = (
        "import repository.settings as s; print(s.AXES_FAILURE_LIMIT, "
        "s.LOGIN_ADDRESS_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.AXES_IPWARE_META_PRECEDENCE_ORDER)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True,
        env=clean_environment(ENV_FILE=os.devnull, DEBUG="true", **env),
    )


def test_the_limits_and_the_trusted_proxy_come_from_the_environment():
    assert settings_with().stdout.strip() == "5 30 0:15:00 ['REMOTE_ADDR']"
    configured = settings_with(
        LOGIN_FAILURE_LIMIT="3", LOGIN_ADDRESS_FAILURE_LIMIT="100", LOGIN_COOLOFF_MINUTES="60",
        TRUST_X_FORWARDED_FOR="true",
    )
    assert configured.stdout.strip() == "3 100 1:00:00 ['HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR']"
    refused = settings_with(LOGIN_FAILURE_LIMIT="0")
    assert refused.returncode != 0 and "LOGIN_FAILURE_LIMIT:" in refused.stderr
