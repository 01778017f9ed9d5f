"""The one hand-off to the upload entry point, without the network: drafts, joins and keys."""

from pathlib import Path

import pytest
from pydicom.uid import generate_uid

from cases.models import Case
from pacs.intake import study_key, take_study
from tests.dicom_factory import ct_series

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
    files = files_in(tmp_path, ct_series(2, study_uid=uid))
    take(files, alice, uid)
    again = take(files, alice, uid)
    assert again.images_added == 0
    assert [reason for _, reason in again.refusals] == ["already imported"] * 2
