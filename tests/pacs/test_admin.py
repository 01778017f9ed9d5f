"""The admin of who may send studies in: calling AE titles, API tokens (shown once, kept as a
hash, revoked), and the received-study records, each contributor seeing her own."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pacs.models import ApiToken, CallingAE, ReceivedStudy, token_digest
from tests.factories import client_for, make_case
from viewer.models import UploadJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("root", password="correct horse battery")


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(admin_user, alice):
    client = client_for(admin_user)
    response = client.post(reverse("admin:pacs_apitoken_add"),
                           {"contributor": alice.pk, "name": "Orthanc"}, follow=True)  # fmt: skip
    secret = re.search(r"<code>([\w-]+)</code>", response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.digest == token_digest(secret) and secret not in token.digest
    assert ApiToken.objects.authenticate(secret) == token
    page = client.get(reverse("admin:pacs_apitoken_change", args=[token.pk])).content.decode()
    assert secret not in page


def test_revoking_a_token_ends_it(admin_user, token):
    client_for(admin_user).post(reverse("admin:pacs_apitoken_changelist"), {
        "action": "revoke", "_selected_action": [ApiToken.objects.get().pk],
    })  # fmt: skip
    assert ApiToken.objects.get().revoked_at is not None
    assert ApiToken.objects.authenticate(token) is None


def test_a_calling_ae_title_with_a_backslash_is_refused(admin_user, alice):
    response = client_for(admin_user).post(reverse("admin:pacs_callingae_add"), {
        "ae_title": "BAD\\AE", "contributor": alice.pk, "active": "on",
    })  # fmt: skip
    assert response.status_code == 200 and "without a backslash" in response.content.decode()
    assert not CallingAE.objects.exists()


def test_a_calling_ae_title_is_mapped_to_one_contributor_only(admin_user, alice, bob):
    CallingAE.objects.create(ae_title="WS1", contributor=alice)
    response = client_for(admin_user).post(reverse("admin:pacs_callingae_add"), {
        "ae_title": "WS1", "contributor": bob.pk, "active": "on",
    })  # fmt: skip
    assert "already exists" in response.content.decode()


@pytest.mark.parametrize("model", ["callingae", "apitoken"])
def test_a_contributor_cannot_map_callers_or_make_tokens(alice, model):
    client = client_for(alice)
    assert client.get(reverse(f"admin:pacs_{model}_changelist")).status_code == 403
    assert client.get(reverse(f"admin:pacs_{model}_add")).status_code == 403


def received(contributor, **fields):
    values = {"source": "dimse", "caller": "WS_CT3", "study_key": "0" * 64,
              "instances_received": 3, "images_added": 2,
              "refusals": [["instance 2", "a structured report, not an image"]]}  # fmt: skip
    return ReceivedStudy.objects.create(contributor=contributor, **{**values, **fields})


def test_a_contributor_sees_what_was_sent_to_her_with_the_reasons_refused(alice):
    record = received(alice, case=make_case(alice))
    page = client_for(alice).get(reverse("admin:pacs_receivedstudy_change", args=[record.pk]))
    assert page.status_code == 200
    assert "instance 2: a structured report, not an image" in page.content.decode()


def test_the_list_shows_each_upload_jobs_state_linked_to_its_page(alice):
    job = UploadJob.objects.create(kind=UploadJob.Kind.PACS, author=alice, state="failed")
    received(alice, case=make_case(alice), job=job)
    page = client_for(alice).get(reverse("admin:pacs_receivedstudy_changelist")).content.decode()
    assert f'<a href="{job.get_absolute_url()}">Failed</a>' in page
    assert client_for(alice).get(job.get_absolute_url()).status_code == 200


def test_a_contributor_does_not_see_what_was_sent_to_another(alice, bob):
    record = received(alice)
    client = client_for(bob)
    changelist = client.get(reverse("admin:pacs_receivedstudy_changelist"))
    assert record not in changelist.context["cl"].result_list
    page = client.get(reverse("admin:pacs_receivedstudy_change", args=[record.pk]))
    assert page.status_code == 302  # the admin's "does not exist" redirect


def test_received_studies_list_in_constant_queries(alice, django_assert_max_num_queries):
    client = client_for(alice)
    url = reverse("admin:pacs_receivedstudy_changelist")
    job = UploadJob.objects.create(kind=UploadJob.Kind.PACS, author=alice)
    received(alice, case=make_case(alice), job=job)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(5):
        job = UploadJob.objects.create(kind=UploadJob.Kind.PACS, author=alice)
        received(alice, case=make_case(alice), job=job)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
