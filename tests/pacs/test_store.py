"""C-STORE with DCMTK's storescu: what a PACS sends becomes one de-identified draft case of the
contributor its caller is mapped to; a bad file fails alone and the receiver keeps running."""

import pytest
from pydicom.uid import (
    JPEG2000Lossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    RLELossless,
    generate_uid,
)

from cases.models import Case
from pacs.models import ReceivedStudy
from tests.dicom_factory import PATIENT, PATIENT_ID, ct_series, structured_report
from tests.pacs.peers import COMPRESSED, compressed_study, stored_bytes, storescu, write_files
from viewer.models import Image, Instance

pytestmark = pytest.mark.django_db(transaction=True)
IDENTIFIERS = (PATIENT.encode(), PATIENT_ID.encode(), b"Janet")


def test_a_hundred_slice_series_arrives_as_one_de_identified_draft_of_the_mapped_contributor(
    receiver, mapped, alice, tmp_path
):
    paths = write_files(tmp_path, ct_series(100))
    result = storescu(receiver.port, paths)
    assert result.returncode == 0, result.stderr
    [record] = receiver.taken()
    case = Case.objects.get()
    assert (case.author, case.status) == (alice, Case.Status.DRAFT)
    assert record.case == case and record.instances_received == 100
    assert record.images_added == 100 and record.refusals == []
    assert Instance.objects.filter(series__study__case=case).count() == 100
    assert_nothing_identifies_the_patient(case)


def test_compressed_files_arrive_in_the_syntax_they_were_sent_in(receiver, mapped, tmp_path):
    paths = write_files(tmp_path, compressed_study())
    records = []
    for path, option in zip(paths, COMPRESSED.values(), strict=True):
        result = storescu(receiver.port, [path], options=[option])
        assert result.returncode == 0, result.stderr
        records += receiver.taken()
    assert [r.refusals for r in records] == [[]] * 4
    assert len({r.case_id for r in records}) == 1  # one study, one draft
    assert set(Instance.objects.values_list("transfer_syntax", flat=True)) == {
        JPEG2000Lossless, RLELossless, JPEGLSLossless, JPEGLosslessSV1,
    }
    assert Image.objects.count() > len(paths)  # the RLE file has ten frames
    assert_nothing_identifies_the_patient(records[0].case)


def test_the_same_study_sent_again_joins_its_draft(receiver, mapped, tmp_path):
    study = generate_uid()
    storescu(receiver.port, write_files(tmp_path / "a", ct_series(3, study_uid=study)))
    [first] = receiver.taken()
    storescu(receiver.port, write_files(tmp_path / "b", ct_series(2, study_uid=study)))
    [second] = receiver.taken()
    assert second.case == first.case and Case.objects.count() == 1
    assert first.case.studies.count() == 1
    assert Image.objects.filter(study__case=first.case).count() == 5


def test_a_study_joins_no_draft_once_its_case_is_published(receiver, mapped, tmp_path):
    study = generate_uid()
    storescu(receiver.port, write_files(tmp_path / "a", ct_series(2, study_uid=study)))
    [first] = receiver.taken()
    Case.objects.filter(pk=first.case_id).update(status=Case.Status.PUBLISHED)
    storescu(receiver.port, write_files(tmp_path / "b", ct_series(2, study_uid=study)))
    [second] = receiver.taken()
    assert second.case != first.case and second.case.status == Case.Status.DRAFT


def test_the_study_uid_is_kept_only_as_a_keyed_hash(receiver, mapped, tmp_path):
    study = generate_uid()
    storescu(receiver.port, write_files(tmp_path, ct_series(2, study_uid=study)))
    [record] = receiver.taken()
    assert study not in record.study_key
    assert not Case.objects.filter(studies__uid=study).exists()
    assert study.encode() not in b"".join(data for _, data in stored_bytes(record.case))


def test_two_studies_in_one_association_become_two_drafts(receiver, mapped, tmp_path):
    files = ct_series(2) + ct_series(2, patient="Roe^Richard")
    storescu(receiver.port, write_files(tmp_path, files))
    records = receiver.taken()
    assert len(records) == 2 and Case.objects.count() == 2


def test_a_report_is_refused_alone_and_the_images_around_it_arrive(receiver, mapped, tmp_path):
    files = ct_series(2)
    paths = write_files(tmp_path, [files[0], structured_report(), files[1]])
    result = storescu(receiver.port, paths)
    # Reports are not negotiated: the receiver offers image storage classes only.
    assert "No presentation context for: (SRt)" in result.stderr
    [record] = receiver.taken()
    assert record.images_added == 2


def test_a_second_contributors_caller_fills_her_own_drafts(receiver, mapped, bob, tmp_path):
    from pacs.models import CallingAE

    CallingAE.objects.create(ae_title="BOB_WS", contributor=bob)
    storescu(receiver.port, write_files(tmp_path, ct_series(2)), "BOB_WS")
    [record] = receiver.taken()
    assert record.case.author == bob and record.contributor == bob
    assert ReceivedStudy.objects.get().caller == "BOB_WS"


def assert_nothing_identifies_the_patient(case):
    for name, data in stored_bytes(case):
        for identifier in IDENTIFIERS:
            assert identifier not in data, f"{identifier!r} in {name}"
