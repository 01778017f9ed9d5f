"""A real PACS, Orthanc (Debian's), started on loopback with a configuration of this test's own,
loaded with a study through its REST API and told to send it to our receiver: the study arrives as
a de-identified draft case of the contributor Orthanc's AE title is mapped to."""

import json
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from pydicom.uid import generate_uid

from cases.models import Case
from pacs.models import CallingAE
from tests.dicom_factory import PATIENT, PATIENT_ID, ct_series
from tests.pacs.peers import OUR_AE, compressed_study, free_port, stored_bytes, tool

pytestmark = pytest.mark.django_db(transaction=True)
ORTHANC_AE = "ORTHANC_TEST"


class Orthanc:
    def __init__(self, folder, receiver_port):
        self.http = free_port()
        config = {
            "Name": "test", "StorageDirectory": str(folder / "storage"),
            "IndexDirectory": str(folder / "storage"), "HttpPort": self.http,
            "DicomPort": free_port(), "DicomAet": ORTHANC_AE, "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "Plugins": [], "DicomAssociationCloseDelay": 0,
            "DicomModalities": {"teaching": [OUR_AE, "127.0.0.1", receiver_port]},
        }  # fmt: skip
        (folder / "orthanc.json").write_text(json.dumps(config))
        self.log = open(folder / "orthanc.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [tool("Orthanc"), str(folder / "orthanc.json")], stdout=self.log, stderr=self.log
        )
        self.wait_until_up()

    def wait_until_up(self, attempts=300):
        for _ in range(attempts):
            assert self.process.poll() is None, "Orthanc stopped: see orthanc.log"
            try:
                return self.call("GET", "/system")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise AssertionError("Orthanc did not answer")

    def call(self, method, path, body=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}", body,
                                         method=method)  # fmt: skip
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read() or b"null")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


@pytest.fixture
def orthanc(receiver, alice, tmp_path):
    CallingAE.objects.create(ae_title=ORTHANC_AE, contributor=alice, description="Orthanc")
    running = Orthanc(tmp_path, receiver.port)
    yield running
    running.stop()


def test_a_study_sent_from_orthanc_arrives_as_a_de_identified_draft(orthanc, receiver, alice):
    uid = generate_uid()
    for data in ct_series(20, study_uid=uid) + compressed_study(uid):
        study = orthanc.call("POST", "/instances", data)["ParentStudy"]
    assert orthanc.call("GET", f"/studies/{study}/statistics")["CountInstances"] == 24
    body = {"Resources": [study], "Synchronous": True}
    orthanc.call("POST", "/modalities/teaching/store", json.dumps(body).encode())
    records = receiver.taken()
    # Orthanc opens another association for a transfer syntax the first did not negotiate.
    while sum(r.instances_received for r in records) < 24:
        records += receiver.taken()
    assert {r.caller for r in records} == {ORTHANC_AE}
    assert [refusal for r in records for refusal in r.refusals] == []
    case = Case.objects.get()
    assert {r.case for r in records} == {case}
    assert (case.author, case.status) == (alice, Case.Status.DRAFT)
    assert sum(r.images_added for r in records) > 24  # the RLE file has ten frames
    for name, data in stored_bytes(case):
        assert PATIENT.encode() not in data and PATIENT_ID.encode() not in data, name
