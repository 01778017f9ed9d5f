"""A disk that fills during an upload: the contributor is told the storage is full, and nothing
of the upload stays behind, neither rows nor files (a half-written file included).

The filesystem is real: a tmpfs of 1 MiB mounted for the test (it needs root, as CI has)."""

import os
import subprocess
import uuid
from io import BytesIO

import numpy as np
import pytest
from django.test import override_settings
from PIL import Image as PILImage

from dicom.archive import Member
from tests.factories import make_case
from viewer.ingest import IngestError
from viewer.models import Image
from viewer.staging import Staging
from viewer.uploads import add_files

SIZE = "1m"


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "media"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", mount_point],
                   check=True)
    try:
        with override_settings(MEDIA_ROOT=mount_point):
            yield mount_point
    finally:
        subprocess.run(["umount", "-l", mount_point], check=True)


def noise_png(seed, side=300):
    """A picture that does not compress: its renditions fill the disk in a few files."""
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = BytesIO()
    PILImage.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def members(count):
    pictures = [noise_png(n) for n in range(count)]
    return [Member(f"noise{n}.png", lambda data=data: BytesIO(data), len(data))
            for n, data in enumerate(pictures)]


def files_under(folder):
    return [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]


def test_an_upload_that_fills_the_disk_is_refused_and_leaves_nothing(alice, small_disk):
    case = make_case(alice, images=0)
    with pytest.raises(IngestError) as refused:
        add_files(case, members(12), study=case.studies.get())
    assert refused.value.code == "storage_full"
    assert "storage is full" in str(refused.value)
    assert files_under(small_disk) == []
    assert not Image.objects.filter(study__case=case).exists()


def test_after_a_full_disk_a_smaller_upload_goes_through(alice, small_disk):
    case = make_case(alice, images=0)
    with pytest.raises(IngestError):
        add_files(case, members(12), study=case.studies.get())
    report = add_files(case, members(1), study=case.studies.get())
    assert report.added == 1
    assert len(files_under(small_disk)) == 3  # full, display, thumbnail


def test_a_write_cut_short_leaves_no_partial_file(small_disk):
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (1024 * 1024 - 64 * 1024))  # leaves less than the file below
    name = f"images/{uuid.uuid4().hex}/big.bin"
    with pytest.raises(OSError):
        Staging().write(name, b"\1" * (256 * 1024))
    filler.unlink()
    assert files_under(small_disk) == []
