"""A tree staged in worker processes: each worker walks it once, whatever number of shares it
stages, and every file of it is staged once."""

from cases.models import Case
from dicom.archive import ArchiveLimits
from tests import dicom_factory as make
from tests.factories import make_case
from viewer import processes
from viewer.ingest import IngestLimits, deid_context


def folder_of_slices(path, count):
    path.mkdir()
    for n, data in enumerate(make.ct_series(count)):
        (path / f"IM{n}").write_bytes(data)
    return path


def test_a_worker_walks_the_tree_once_for_all_its_shares(tmp_path):
    study, other = folder_of_slices(tmp_path / "a", 3), folder_of_slices(tmp_path / "b", 2)
    limits = ArchiveLimits()

    first = processes._walked(study, limits)

    assert processes._walked(study, limits) is first
    assert len(first) == 3
    assert len(processes._walked(other, limits)) == 2  # another tree, walked anew


def test_every_file_is_staged_once_in_small_shares_across_two_workers(alice, tmp_path):
    case = make_case(alice, status=Case.Status.DRAFT, images=0)
    archive = make.zipped({f"series/IM{n}": data for n, data in enumerate(make.ct_series(7))})
    (tmp_path / "study.zip").write_bytes(archive)

    staging = processes.stage_folder(
        tmp_path, deid_context(case), IngestLimits.from_settings(), jobs=2, chunk=2,
        accept_pictures=False,
    )  # fmt: skip

    try:
        [series] = staging.series.values()
        sources = sorted(instance.source for instance in series.instances)
        assert [source.split("/", 1)[1] for source in sources] == [
            f"study.zip/series/IM{n}" for n in range(7)
        ]
    finally:
        staging.discard()
