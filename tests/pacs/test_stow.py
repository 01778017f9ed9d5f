"""DICOMweb STOW-RS (POST /dicomweb/studies) with a contributor's token: answers per PS3.18 10.5
(200, 202 when some failed, 409 when all did, 400/401/413/415 with a clear body)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pydicom.uid import generate_uid

from cases.models import Case
from pacs.models import ApiToken, ReceivedStudy
from tests.dicom_factory import PATIENT, PATIENT_ID, ct_series, structured_report
from tests.factories import client_for
from tests.pacs.peers import compressed_study, stored_bytes, undecodable
from tests.pacs.stow import BOUNDARY, failed, multipart, post, referenced, uid_of


def test_a_token_stores_a_study_as_a_draft_of_its_contributor(client, token, alice):
    files = ct_series(3)
    response = post(client, files, token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/dicom+json"
    assert sorted(referenced(response)) == sorted(uid_of(f) for f in files)
    case = Case.objects.get()
    assert (case.author, case.status) == (alice, Case.Status.DRAFT)
    record = ReceivedStudy.objects.get()
    assert (record.source, record.caller, record.images_added) == ("stow", "Orthanc in room 2", 3)


def test_what_is_stored_identifies_nobody(client, token):
    post(client, compressed_study(), token)
    for name, data in stored_bytes(Case.objects.get()):
        assert PATIENT.encode() not in data and PATIENT_ID.encode() not in data, name


def test_a_study_sent_again_joins_its_draft(client, token):
    study = generate_uid()
    post(client, ct_series(2, study_uid=study), token)
    post(client, ct_series(1, study_uid=study), token)
    assert Case.objects.count() == 1 and ReceivedStudy.objects.count() == 2


def test_the_same_study_from_another_contributor_becomes_her_own_draft(client, token, bob):
    study = generate_uid()
    post(client, ct_series(2, study_uid=study), token)
    bobs = ApiToken(contributor=bob, name="Bob's")
    secret = bobs.issue()
    bobs.save()
    post(client, ct_series(1, study_uid=study), secret)
    assert sorted(Case.objects.values_list("author__username", flat=True)) == ["alice", "bob"]


def test_some_failed_is_202_listing_each_failure(client, token):
    files = ct_series(2)
    report = structured_report()
    response = post(client, [files[0], report, files[1]], token)
    assert response.status_code == 202
    assert len(referenced(response)) == 2
    assert failed(response) == {uid_of(report): 0x0122}  # SOP class not supported


def test_all_failed_is_409(client, token):
    response = post(client, [structured_report(), b"not DICOM at all"], token)
    assert response.status_code == 409
    assert list(failed(response).values()) == [0x0122, 0xC000]
    assert not Case.objects.exists()
    assert ReceivedStudy.objects.get().refused == 2  # shown in the admin, with the reasons


def test_an_instance_refused_later_by_its_job_is_answered_as_accepted(client, token):
    """The answer says what is known at once: decoding happens in the upload job, whose refusals
    show in the received study's record and the job's page."""
    data, ds = undecodable()
    response = post(client, [data], token)
    assert response.status_code == 200 and referenced(response) == [ds.SOPInstanceUID]
    record = ReceivedStudy.objects.get()
    assert [name for name, _ in record.refusals] == ["instance 1"]
    assert record.job.skipped[0]["file"] == "instance 1"


def test_instances_of_another_study_than_the_url_names_fail(client, token):
    study = generate_uid()
    mine, other = ct_series(1, study_uid=study), ct_series(1)
    response = post(client, mine + other, token, url=f"/dicomweb/studies/{study}")
    assert response.status_code == 202
    assert referenced(response) == [uid_of(mine[0])]
    assert failed(response) == {uid_of(other[0]): 0xA900}


def test_without_a_token_it_is_401(client):
    response = post(client, ct_series(1))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"API token" in response.content


def test_a_wrong_token_is_401(client, token):
    assert post(client, ct_series(1), token + "x").status_code == 401


def test_a_revoked_token_is_401(client, token):
    ApiToken.objects.get().revoke()
    assert post(client, ct_series(1), token).status_code == 401
    assert not Case.objects.exists()


def test_a_logged_in_session_is_no_token(alice):
    """Only a token authenticates here: that is why the view may be exempt from CSRF."""
    response = post(client_for(alice, enforce_csrf_checks=True), ct_series(1))
    assert response.status_code == 401


def test_a_token_of_a_deactivated_account_is_401(client, token, alice):
    alice.is_active = False
    alice.save()
    assert post(client, ct_series(1), token).status_code == 401


def test_another_content_type_is_415(client, token):
    response = post(client, [], token, body=b"{}", content_type="application/dicom+json")
    assert response.status_code == 415
    assert b"multipart/related" in response.content


def test_multipart_of_another_type_is_415(client, token):
    kind = 'multipart/related; type="application/dicom+xml"; boundary=x'
    assert post(client, [], token, body=b"--x--", content_type=kind).status_code == 415


def test_a_body_without_its_closing_boundary_is_400(client, token):
    body = multipart(ct_series(1))[:-30]
    response = post(client, [], token, body=body)
    assert response.status_code == 400
    assert b"closing boundary" in response.content


def test_a_body_past_the_limit_is_413_and_nothing_is_kept(client, token, settings):
    settings.STOW_MAX_MB = 1
    response = post(client, [b"\0" * (2 * 1024 * 1024)], token)
    assert response.status_code == 413
    assert not ReceivedStudy.objects.exists()


def test_a_part_that_is_not_dicom_fails_alone(client, token):
    closing = f"--{BOUNDARY}--\r\n".encode()
    body = multipart([b"{}"], content_type="application/json").removesuffix(closing)
    body += multipart(ct_series(1))
    response = post(client, [], token, body=body)
    assert response.status_code == 202 and len(referenced(response)) == 1


def test_get_is_not_allowed(client, token):
    response = client.get("/dicomweb/studies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405


@pytest.mark.parametrize("files", [1, 0])
def test_nothing_is_left_in_the_work_folder(client, token, settings, files):
    post(client, ct_series(files) if files else [b"junk"], token)
    incoming = settings.WORK_DIR / "incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []


def test_a_request_costs_the_same_queries_however_many_instances(client, token,
                                                                 django_assert_num_queries):
    post(client, ct_series(1), token)  # what a site's first request does once (content types...)
    with CaptureQueriesContext(connection) as two:
        post(client, ct_series(2), token)
    with django_assert_num_queries(len(two.captured_queries)):
        post(client, ct_series(6), token)
