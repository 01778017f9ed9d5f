"""Issue #16, finding 4: staging one file must not take many times its decoded size in memory.

The bound is the README's (tests/security/probe.py, bound_bytes): twice the file, plus twice its
largest frame at 4 bytes a pixel, plus 32 MB. Each file is staged in a fresh process whose
resident memory is measured, since Pillow's pixel buffers are invisible to tracemalloc.
"""

from tests.dicom_factory import multiframe_ct
from tests.security.large_files import rgba_png
from tests.security.probe import bound_bytes, run


def test_a_large_rgba_picture_stages_within_the_stated_bound(tmp_path):
    side = 6000
    path = tmp_path / "large.png"
    path.write_bytes(rgba_png(side))
    peak = run(path, tmp_path / "media")
    assert peak <= bound_bytes(path.stat().st_size, side * side)


def test_a_multi_frame_dicom_stages_frame_by_frame_within_the_stated_bound(tmp_path):
    path = tmp_path / "multiframe.dcm"
    path.write_bytes(multiframe_ct(100))
    peak = run(path, tmp_path / "media")
    assert peak <= bound_bytes(path.stat().st_size, 512 * 512)


def test_one_large_dicom_frame_is_rendered_and_stored_within_the_stated_bound(tmp_path):
    side = 4000
    path = tmp_path / "large_frame.dcm"
    path.write_bytes(multiframe_ct(1, size=side))
    peak = run(path, tmp_path / "media")
    assert peak <= bound_bytes(path.stat().st_size, side * side)
