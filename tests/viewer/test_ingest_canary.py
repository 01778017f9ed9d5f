"""The canary: a DICOM file with unique markers planted in every place identity hides. After an
upload through the admin, no marker is in any stored byte, in the database, or in any response."""

import io
from pathlib import Path

import pydicom
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from cases.models import Case
from tests.factories import client_for, make_case
from tests.pages import change_url, post_case_with_pictures, study_url
from viewer.models import Image, Instance


class Markers:
    def __init__(self):
        self.planted = []

    def __call__(self, kind="X"):
        marker = f"CANARY{len(self.planted):03d}{kind}"
        self.planted.append(marker)
        return marker


def canary_file():
    """CT_small with markers in text attributes, nested sequences, private tags, an overlay
    comment, the file meta group and the preamble. Returns (bytes, markers, original UIDs)."""
    mark = Markers()
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for keyword in (
        "PatientName", "PatientID", "OtherPatientIDs", "PatientBirthName", "PatientMotherBirthName",
        "PatientAddress", "InstitutionName", "InstitutionAddress", "ReferringPhysicianName",
        "PerformingPhysicianName", "OperatorsName", "StationName", "StudyDescription",
        "SeriesDescription", "ProtocolName", "ImageComments", "AdditionalPatientHistory",
        "RequestedProcedureDescription", "AccessionNumber", "StudyID", "PatientComments",
        "DerivationDescription", "InstitutionalDepartmentName", "DeviceSerialNumber",
    ):
        setattr(ds, keyword, mark())
    inner = Dataset()
    inner.PatientName = mark("SEQ")
    inner.StudyDescription = mark("SEQ")
    deeper = Dataset()
    deeper.CodeMeaning = mark("DEEP")
    inner.ConceptNameCodeSequence = Sequence([deeper])
    ds.RequestAttributesSequence = Sequence([inner])
    reference = _with(Dataset(), ReferencedSOPInstanceUID=ds.StudyInstanceUID)
    ds.ReferencedStudySequence = Sequence([reference])
    ds.add_new(0x00090010, "LO", mark("PRIVCREATOR"))
    ds.add_new(0x00091001, "LO", mark("PRIVATE"))
    ds.add_new(0x60000010, "US", 1)
    ds.add_new(0x60004000, "LT", mark("OVERLAY"))
    ds.file_meta.SourceApplicationEntityTitle = mark("AE")[:16]
    preamble = mark("PREAMBLE").encode()
    ds.preamble = preamble + b"\0" * (128 - len(preamble))
    uids = [str(ds.SOPInstanceUID), str(ds.SeriesInstanceUID), str(ds.StudyInstanceUID)]
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue(), mark.planted, uids


def _with(item, **values):
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


@pytest.fixture
def uploaded(alice, editor):
    data, markers, uids = canary_file()
    assert all(m.encode()[:16] in data for m in markers)  # the canary really carries them
    case = make_case(alice, status=Case.Status.DRAFT, images=0)
    response = post_case_with_pictures(
        client_for(alice), case, [SimpleUploadedFile("canary.dcm", data)]
    )
    assert response.status_code == 302
    case.refresh_from_db()
    case.status = Case.Status.PUBLISHED
    case.save()
    return case, markers, uids


def found_in(blob, needles):
    return [n for n in needles if n.encode()[:16] in blob]


def test_no_marker_reaches_any_stored_file(uploaded):
    _, markers, uids = uploaded
    assert Instance.objects.count() == 1
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            assert found_in(path.read_bytes(), markers + uids) == [], path


def test_no_marker_reaches_the_database(uploaded, capsys):
    _, markers, uids = uploaded
    call_command("dumpdata", "cases", "viewer", "accounts", "taggit")
    dump = capsys.readouterr().out.encode()
    assert Image.objects.exists()
    assert found_in(dump, markers + uids) == []


def test_no_marker_reaches_any_response(uploaded, alice):
    case, markers, uids = uploaded
    image = Image.objects.get(study__case=case)
    urls = [
        f"/standard/cases/{case.pk}/",
        f"/academic/cases/{case.pk}/",
        "/standard/cases/",
        "/",
        change_url(case),
        study_url(image.study),
    ] + [image.file_url(kind) for kind in ("thumbnail", "display", "full")]
    client = client_for(alice)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = str(response.headers).encode()
        assert found_in(body + headers, markers + uids) == [], url
