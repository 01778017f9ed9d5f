"""STOW-RS from a real DICOMweb client (dicomweb-client, as a PACS gateway or a script would use
it) against the live test server."""

import io
import subprocess

import pydicom
import pytest
from dicomweb_client.api import DICOMwebClient
from requests import HTTPError

from cases.models import Case
from pacs.models import ApiToken
from tests.dicom_factory import ct_series
from tests.pacs.stow import CONTENT_TYPE, multipart

pytestmark = pytest.mark.django_db(transaction=True)


def client_with(live_server, secret=None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    # One request with a Content-Length: the test server, like runserver, reads no chunked body.
    return DICOMwebClient(f"{live_server.url}/dicomweb", headers=headers, chunk_size=10**9)


def datasets(count=3, **kwargs):
    return [pydicom.dcmread(io.BytesIO(data)) for data in ct_series(count, **kwargs)]


def test_the_client_stores_a_series_with_a_token(live_server, token, alice):
    sent = datasets()
    answer = client_with(live_server, token).store_instances(sent)
    assert sorted(i.ReferencedSOPInstanceUID for i in answer.ReferencedSOPSequence) == sorted(
        ds.SOPInstanceUID for ds in sent
    )
    assert "FailedSOPSequence" not in answer
    assert Case.objects.get().author == alice


def test_the_client_stores_into_a_named_study(live_server, token):
    sent = datasets(2)
    study = sent[0].StudyInstanceUID
    answer = client_with(live_server, token).store_instances(sent, study_instance_uid=study)
    assert len(answer.ReferencedSOPSequence) == 2


def test_the_client_is_refused_without_a_token(live_server, token):
    with pytest.raises(HTTPError) as refused:
        client_with(live_server).store_instances(datasets(1))
    assert refused.value.response.status_code == 401
    assert not Case.objects.exists()


def test_the_client_is_refused_with_a_revoked_token(live_server, token):
    ApiToken.objects.get().revoke()
    with pytest.raises(HTTPError) as refused:
        client_with(live_server, token).store_instances(datasets(1))
    assert refused.value.response.status_code == 401


def curl(live_server, token, content_type, body_path):
    """curl as the README shows it; its status code and body."""
    result = subprocess.run(
        ["curl", "-sS", "-w", "\n%{http_code}", "-X", "POST", f"{live_server.url}/dicomweb/studies",
         "-H", f"Authorization: Bearer {token}", "-H", f"Content-Type: {content_type}",
         "--data-binary", f"@{body_path}"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    body, _, status = result.stdout.rpartition("\n")
    return int(status), body


def test_curl_stores_a_multipart_body(live_server, token, tmp_path):
    (tmp_path / "body").write_bytes(multipart(ct_series(2)))
    status, body = curl(live_server, token, CONTENT_TYPE, tmp_path / "body")
    assert status == 200 and "00081199" in body


def test_curl_sending_a_bare_dicom_file_is_told_what_to_send(live_server, token, tmp_path):
    (tmp_path / "one.dcm").write_bytes(ct_series(1)[0])
    status, body = curl(live_server, token, "application/dicom", tmp_path / "one.dcm")
    assert status == 415 and 'multipart/related; type="application/dicom"' in body
