"""The one hand-off to the upload jobs, without the network (the tests' backend runs a job at
once): drafts, joins, keys, and the record its job completes."""

from pathlib import Path

import pytest
from pydicom.uid import generate_uid

from cases.models import Case
from pacs.intake import study_key, take_study
from tests.dicom_factory import ct_series
from tests.pacs.peers import undecodable
from viewer.jobs import folder_of
from viewer.models import UploadJob

pytestmark = pytest.mark.django_db


def files_in(folder, datas):
    paths = []
    for number, data in enumerate(datas):
        path = Path(folder) / f"{number}.dcm"
        path.write_bytes(data)
        paths.append((f"instance {number + 1}", path))
    return paths


def take(files, contributor, study_uid, **kwargs):
    return take_study(files, contributor, study_uid=study_uid, caller="WS", source="dimse",
                      **kwargs)  # fmt: skip


def test_the_study_key_is_keyed_by_the_deidentification_key(settings):
    uid = generate_uid()
    before = study_key(uid)
    settings.DEIDENTIFICATION_KEY = "another key of the same site"
    assert study_key(uid) != before and uid not in before


def test_nothing_readable_makes_no_case_but_a_record_of_why(alice):
    record = take([], alice, "", refusals=[("instance 1", "not a DICOM file")])
    assert record.case is None and not Case.objects.exists()
    assert record.refusals == [["instance 1", "not a DICOM file"]]
    assert record.instances_received == 1


def test_a_draft_given_to_another_contributor_is_not_joined(alice, bob, tmp_path):
    uid = generate_uid()
    first = take(files_in(tmp_path, ct_series(1, study_uid=uid)), alice, uid)
    Case.objects.filter(pk=first.case_id).update(author=bob)
    second = take(files_in(tmp_path, ct_series(1, study_uid=uid)), alice, uid)
    assert second.case != first.case and second.case.author == alice


def test_an_instance_sent_twice_is_added_once(alice, tmp_path):
    uid = generate_uid()
    datas = ct_series(2, study_uid=uid)
    take(files_in(tmp_path, datas), alice, uid)
    again = take(files_in(tmp_path, datas), alice, uid)  # the first files moved into a job
    assert again.images_added == 0
    assert [reason for _, reason in again.refusals] == ["already imported"] * 2


def test_the_files_move_into_a_job_whose_end_completes_the_record(alice, tmp_path):
    uid = generate_uid()
    files = files_in(tmp_path, ct_series(3, study_uid=uid))
    record = take(files, alice, uid, refusals=[("instance 4", "not a DICOM file")])
    assert not any(path.exists() for _, path in files)  # moved, not copied
    job = record.job
    assert (job.kind, job.state, job.author, job.case) == ("pacs", "done", alice, record.case)
    assert record.images_added == 3 and record.instances_received == 4
    assert record.refusals == [["instance 4", "not a DICOM file"]]
    assert not (folder_of(job) / "files").exists()  # gone with the job's end


def test_a_new_draft_whose_files_were_all_refused_by_the_job_goes_again(alice, tmp_path):
    """Arrival reads only the image description; the job decodes, and refuses this frame."""
    data, ds = undecodable()
    record = take(files_in(tmp_path, [data]), alice, ds.StudyInstanceUID)
    assert record.case is None and not Case.objects.exists()
    assert [name for name, _ in record.refusals] == ["instance 1"]
    assert UploadJob.objects.get() == record.job  # kept, with what it refused
    assert record.job.skipped[0]["file"] == "instance 1"
