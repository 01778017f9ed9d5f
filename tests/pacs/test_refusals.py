"""What the receiver refuses over the network, each alone: hostile files from the ingestion tests
(sent raw, undecoded, by pynetdicom as an SCU), too many instances, too many bytes, too many
associations, an idle caller. The receiver keeps running, and later files still arrive."""

import pytest
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, _config

from pacs.models import ReceivedStudy
from tests.dicom.test_dicom_hostile import UNDEFINED, ct, file_bytes, nested, with_pixel_data
from tests.dicom_factory import ct_series
from tests.pacs.peers import (
    MAPPED_AE,
    OUR_AE,
    RunningReceiver,
    echoscu,
    limits_for_tests,
    write_files,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::UserWarning"),  # pydicom warns reading hostile bytes
]

HOSTILE = {
    "pixel data claiming four gigabytes": with_pixel_data(b"\0" * 64, length=0xFFFFFFF0),
    "a hundred thousand nested sequences": nested(100_000),
    "a file cut in half": file_bytes(ct())[:4000],
    "pixel data of undefined length, unencapsulated": with_pixel_data(b"\0" * 64, UNDEFINED),
    "garbage after the file meta": file_bytes(ct(pixels=False))[:300] + bytes(range(256)) * 8,
}


@pytest.fixture
def raw_sending(monkeypatch):
    """pynetdicom sends a file's bytes as they are, as a PACS forwarding a damaged file would."""
    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", True)


def associate(port, calling=MAPPED_AE):
    ae = AE(calling)
    ae.dimse_timeout = 5  # an aborted association's last C-STORE waits no longer for its answer
    ae.add_requested_context(CTImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    return ae.associate("127.0.0.1", port, ae_title=OUR_AE)


def send(port, paths):
    """Each file's C-STORE status, over one association."""
    assoc = associate(port)
    assert assoc.is_established
    statuses = [assoc.send_c_store(path).Status for path in paths]
    assoc.release()
    return statuses


def test_hostile_files_fail_alone_and_the_good_ones_around_them_arrive(
    receiver, mapped, raw_sending, tmp_path
):
    good = ct_series(2)
    paths = write_files(tmp_path, [good[0], *HOSTILE.values(), good[1]])
    statuses = send(receiver.port, paths)
    assert statuses[0] == statuses[-1] == 0x0000
    assert all(status in (0xC000, 0xA900) for status in statuses[1:-1]), statuses
    [record] = receiver.taken()
    assert record.images_added == 2
    assert [name for name, _ in record.refusals] == [f"instance {n}" for n in range(2, 7)]
    assert all(reason for _, reason in record.refusals)
    assert echoscu(receiver.port).returncode == 0  # still running


def test_later_associations_still_arrive_after_hostile_ones(receiver, mapped, raw_sending,
                                                           tmp_path):  # fmt: skip
    send(receiver.port, write_files(tmp_path / "bad", list(HOSTILE.values())))
    [refused] = receiver.taken()
    assert refused.case is None and refused.refused == len(HOSTILE)
    assert send(receiver.port, write_files(tmp_path / "good", ct_series(2))) == [0, 0]
    [record] = receiver.taken()
    assert record.images_added == 2


def test_instances_past_the_limit_of_an_association_are_refused(mapped, transactional_db,
                                                               tmp_path):  # fmt: skip
    running = RunningReceiver(limits_for_tests(max_instances=3))
    try:
        statuses = send(running.port, write_files(tmp_path, ct_series(5)))
        assert statuses == [0, 0, 0, 0xA700, 0xA700]
        [record] = running.taken()
        assert record.images_added == 3 and record.refused == 2
    finally:
        running.stop()


def test_an_association_sending_more_bytes_than_allowed_is_aborted(mapped, transactional_db,
                                                                  tmp_path):  # fmt: skip
    running = RunningReceiver(limits_for_tests(max_bytes=100_000))
    try:
        assoc = associate(running.port)
        for path in write_files(tmp_path, ct_series(20)):
            if not assoc.is_established:
                break
            assoc.send_c_store(path)
        assert assoc.is_aborted
        [record] = running.taken()  # what came before the limit is kept
        assert 0 < record.images_added < 20
    finally:
        running.stop()


def test_an_instance_larger_than_an_upload_may_be_is_cut_short(mapped, transactional_db,
                                                               tmp_path):  # fmt: skip
    running = RunningReceiver(limits_for_tests(max_instance_bytes=20_000))
    try:
        small, large = write_files(tmp_path, [file_bytes(ct(rows=16, columns=16)),
                                              file_bytes(ct(rows=256, columns=256))])  # fmt: skip
        assoc = associate(running.port)
        assert assoc.send_c_store(small).Status == 0
        assert "Status" not in assoc.send_c_store(large)  # no answer: the receiver aborted
        [record] = running.taken()
        assert record.images_added == 1
    finally:
        running.stop()


def test_an_idle_association_is_ended_and_what_it_sent_is_kept(mapped, transactional_db,
                                                              tmp_path):  # fmt: skip
    running = RunningReceiver(limits_for_tests(idle_seconds=1))
    try:
        assoc = associate(running.port)
        assoc.send_c_store(write_files(tmp_path, ct_series(1))[0])
        [record] = running.taken()  # handed over without a release
        assert record.images_added == 1
        assoc.abort()
    finally:
        running.stop()


def test_associations_past_the_limit_are_rejected(mapped, transactional_db):
    running = RunningReceiver(limits_for_tests(max_associations=1))
    try:
        first = associate(running.port)
        second = associate(running.port)
        assert first.is_established and second.is_rejected
        first.release()
    finally:
        running.stop()


def test_nothing_is_recorded_for_a_caller_rejected_at_association(receiver, mapped):
    assert not associate(receiver.port, calling="STRANGER").is_established
    assert not ReceivedStudy.objects.exists()


def test_an_association_past_its_time_is_ended_and_what_it_sent_is_kept(mapped,
                                                                       transactional_db,
                                                                       tmp_path):  # fmt: skip
    running = RunningReceiver(limits_for_tests(max_seconds=1))
    try:
        assoc = associate(running.port)
        assoc.send_c_store(write_files(tmp_path, ct_series(1))[0])
        # Handed over only once the connection closed: the receiver aborted it, the caller
        # still holding it open.
        [record] = running.taken()
        assert record.images_added == 1
        assoc.abort()
    finally:
        running.stop()
