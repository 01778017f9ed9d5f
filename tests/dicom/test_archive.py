"""Uploads are unpacked without trusting them: dicom.archive on sound, damaged and hostile zips.

Every archive is built here, in memory. Bombs are cheap to build: after a full flush, Deflate turns
each further MiB of zeros into the same kilobyte, so a gigabyte is that kilobyte repeated; and a
zip's declared sizes are forged by overwriting its headers.
"""

import io
import os
import stat
import struct
import time
import tracemalloc
import warnings
import zipfile
import zlib

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dicom import archive
from dicom.archive import ArchiveError, ArchiveLimits, expand, is_zip, walk_folder

MiB = 2**20
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


# --- building zips -------------------------------------------------------------------------------


def zip_bytes(*entries, compression=zipfile.ZIP_DEFLATED):
    """A zip of (name or ZipInfo, bytes) entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zipped:
        for name, data in entries:
            zipped.writestr(name, data)
    return buffer.getvalue()


# Fields of a local header (APPNOTE 4.3.7) and of a directory entry (4.3.12): offset, format.
LOCAL = {"flags": 6, "method": 8, "crc": 14, "packed": 18, "size": 22}
CENTRAL = {"flags": 8, "method": 10, "crc": 16, "packed": 20, "size": 24}
FORMATS = {"flags": "<H", "method": "<H", "crc": "<I", "packed": "<I", "size": "<I"}


def forge(data, name, **fields):
    """The zip with fields of `name`'s local header and directory entry overwritten."""
    forged = bytearray(data)
    local, central = header_offsets(data, name)
    for field, value in fields.items():
        struct.pack_into(FORMATS[field], forged, local + LOCAL[field], value)
        struct.pack_into(FORMATS[field], forged, central + CENTRAL[field], value)
    return bytes(forged)


def header_offsets(data, name):
    """Where `name`'s local header and directory entry start."""
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        local = zipped.getinfo(name).header_offset
    central = data.index(b"PK\x01\x02", local)
    while entry_name(data, central) != name:
        central = data.index(b"PK\x01\x02", central + 1)
    return local, central


def entry_name(data, at):
    (length,) = struct.unpack_from("<H", data, at + 28)
    return data[at + 46 : at + 46 + length].decode()


def deflated_zeros(mebibytes):
    """Raw Deflate data that inflates to that many MiB of zeros, made in milliseconds."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * mebibytes + b"\x03\x00"  # an empty final block ends the stream


def forged_bomb(mebibytes, declared):
    """A zip whose IM0001 inflates to `mebibytes` MiB of zeros but declares only `declared`
    bytes, with the checksum of those bytes: zipfile alone would take the cut data as whole."""
    stored = zip_bytes(("IM0001", deflated_zeros(mebibytes)), compression=zipfile.ZIP_STORED)
    checksum = zlib.crc32(bytes(declared))
    return forge(stored, "IM0001", method=zipfile.ZIP_DEFLATED, size=declared, crc=checksum)


def honest_bomb(mebibytes):
    """A zip whose IM0001 is that many MiB of zeros, sizes true, packed about a thousandfold."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        with zipped.open("IM0001", "w") as member:
            for _ in range(mebibytes):
                member.write(bytes(MiB))
    return buffer.getvalue()


def as_zip64(data):
    """The zip with its end record moved into ZIP64 records (APPNOTE 4.3.14-16), as zipfile
    writes them only past 65,535 entries."""
    end = data.rindex(b"PK\x05\x06")
    entries, size, offset = struct.unpack_from("<HII", data, end + 10)
    counts = (entries, entries, size, offset)
    record = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, *counts)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, end, 1)
    tail = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return data[:end] + record + locator + tail


def unix_info(name, kind):
    info = zipfile.ZipInfo(name)
    info.external_attr = (kind | 0o777) << 16  # what a Unix zip tool writes
    return info


def dicom_bytes():
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset = Dataset()
    dataset.file_meta = meta
    dataset.SOPClassUID = SECONDARY_CAPTURE
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.Modality = "OT"
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


# --- using them ----------------------------------------------------------------------------------


def upload(data, name="study.zip"):
    return [(name, io.BytesIO(data))]


def contents(members):
    result = {}
    for member in members:
        with member.open() as stream:
            result[member.name] = stream.read()
    return result


def read_all(members):
    for member in members:
        with member.open() as stream:
            while stream.read(64 * 1024):
                pass


def refused(action):
    """The ArchiveError that action raises, which must come after well under 2 s of CPU time (the
    wall clock would move with the machine's load) and 64 MB."""
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(ArchiveError) as caught:
            action()
        elapsed = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2, f"refused after {elapsed:.2f} s of CPU"
    assert peak < 64 * MiB, f"refusing took {peak / MiB:.0f} MiB"
    return caught.value


# --- sound uploads -------------------------------------------------------------------------------


def test_a_zip_of_three_files_yields_three_members_with_their_bytes():
    files = {"series1/IM0001": b"one" * 100, "series1/IM0002": b"two", "series2/IM0001": bytes(999)}
    members = list(expand(upload(zip_bytes(*files.items()))))

    assert [m.name for m in members] == [f"study.zip/{name}" for name in files]
    assert [m.size for m in members] == [len(data) for data in files.values()]
    assert contents(members) == {f"study.zip/{name}": data for name, data in files.items()}


def test_a_member_opens_afresh_each_time_and_can_seek_back():
    data = bytes(range(256)) * 1000
    (member,) = expand(upload(zip_bytes(("IM0001", data))))

    with member.open() as first, member.open() as second:
        assert first.read(10) == data[:10]
        assert second.read() == data
        first.seek(200_000)
        assert first.read(5) == data[200_000:200_005]
        first.seek(3)
        assert first.read(4) == data[3:7]
        assert first.seek(0, io.SEEK_END) == len(data)


def test_plain_files_are_yielded_as_they_are_an_empty_one_too():
    sources = [("IM0001.dcm", io.BytesIO(b"DICM data")), ("IM0002.dcm", io.BytesIO(b""))]

    members = list(expand(sources))

    assert contents(members) == {"IM0001.dcm": b"DICM data", "IM0002.dcm": b""}
    assert [m.size for m in members] == [9, 0]


def test_closing_a_plain_member_leaves_the_upload_open():
    upload_stream = io.BytesIO(b"pixels")
    (member,) = expand([("IM0001", upload_stream)])

    with member.open() as stream:
        stream.read()
    assert not upload_stream.closed
    assert contents([member]) == {"IM0001": b"pixels"}


def test_zips_are_recognised_by_their_content_not_their_name():
    sources = [
        ("export.dat", io.BytesIO(zip_bytes(("IM0001", b"a")))),
        ("notes.zip", io.BytesIO(b"not a zip at all")),
    ]

    assert contents(expand(sources)) == {
        "export.dat/IM0001": b"a",
        "notes.zip": b"not a zip at all",
    }


def test_is_zip_reads_the_first_bytes_and_keeps_the_position():
    empty_zip = io.BytesIO(zip_bytes())
    empty_zip.seek(7)

    assert is_zip(empty_zip)
    assert empty_zip.tell() == 7
    assert not is_zip(io.BytesIO(b"PK"))


def test_an_empty_zip_yields_nothing():
    assert list(expand(upload(zip_bytes()))) == []


def test_folders_and_system_junk_are_skipped_but_dicomdir_is_kept():
    data = zip_bytes(
        ("series1/", b""),
        ("series1/IM0001", b"a"),
        ("__MACOSX/series1/._IM0001", b"resource fork"),
        ("series1/.DS_Store", b"finder"),
        ("series1/Thumbs.db", b"thumbnails"),
        ("._IM0002", b"resource fork"),
        ("DICOMDIR", b"index"),
    )
    sources = upload(data) + [(".DS_Store", io.BytesIO(b"finder"))]

    assert [m.name for m in expand(sources)] == ["study.zip/series1/IM0001", "study.zip/DICOMDIR"]


def test_a_small_member_may_compress_very_well():
    data = zip_bytes(("IM0001", bytes(MiB)))  # a thousandfold, but only 1 MiB: a blank image

    assert contents(expand(upload(data))) == {"study.zip/IM0001": bytes(MiB)}


def test_a_dicom_file_in_a_zip_is_read_by_pydicom_from_its_stream():
    original = dicom_bytes()
    (member,) = expand(upload(zip_bytes(("series1/IM0001", original))))

    with member.open() as stream:
        dataset = dcmread(stream)

    assert dataset.Modality == "OT"
    assert dataset.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian


# --- bombs and forged sizes ----------------------------------------------------------------------


def test_zipfile_alone_would_hand_over_a_cut_member_as_whole():
    """Why dicom.archive bounds members itself: zipfile believes the declared size."""
    with zipfile.ZipFile(io.BytesIO(forged_bomb(64, declared=1000))) as zipped:
        assert zipped.read("IM0001") == bytes(1000)


def test_a_member_inflating_far_past_its_declared_size_is_refused_when_read():
    members = list(expand(upload(forged_bomb(2048, declared=200_000))))  # truly 2 GiB
    assert [m.size for m in members] == [200_000]

    error = refused(lambda: read_all(members))

    assert error.code == "corrupt_zip"  # zipfile, asked for one byte more, finds a bad checksum
    assert error.name == "study.zip/IM0001"


def test_a_forged_member_is_stopped_one_byte_past_its_declared_size():
    data = forged_bomb(1024, declared=200_000)
    data = forge(data, "IM0001", crc=zlib.crc32(bytes(200_001)))  # the checksum zipfile will see
    members = list(expand(upload(data)))

    error = refused(lambda: read_all(members))

    assert error.code == "size_mismatch"
    assert str(error) == (
        "study.zip/IM0001: the zip says this file holds 200,000 bytes but it holds more; "
        "the zip is damaged or forged"
    )


def test_a_tiny_forged_member_is_refused_while_the_upload_is_checked():
    data = forged_bomb(1024, declared=3)

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "corrupt_zip"


def test_a_member_that_would_grow_a_thousandfold_is_refused_as_a_bomb():
    data = honest_bomb(50)
    assert len(data) < 100 * 1024

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "zip_bomb"
    assert error.name == "study.zip/IM0001"
    assert "50 MB" in str(error) and "zip bomb" in str(error)


def test_a_member_declaring_more_than_the_file_limit_is_refused_before_reading():
    data = forge(zip_bytes(("IM0001", b"small")), "IM0001", size=600 * MiB)

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "file_too_large"
    assert "600 MB" in error.reason and "512 MB" in error.reason


def test_a_member_shorter_than_declared_is_refused_when_read():
    data = forge(zip_bytes(("IM0001", bytes(range(256)) * 40)), "IM0001", size=20_000)
    members = list(expand(upload(data)))

    error = refused(lambda: read_all(members))

    assert error.code == "size_mismatch"
    assert "ends after 10,240" in str(error)


def test_a_member_whose_checksum_fails_is_refused_when_read():
    data = bytearray(zip_bytes(("IM0001", b"pixel data " * 100), compression=zipfile.ZIP_STORED))
    data[data.index(b"pixel data") + 500] ^= 0xFF

    error = refused(lambda: read_all(expand(upload(bytes(data)))))

    assert error.code == "corrupt_zip"
    assert error.name == "study.zip/IM0001"


def test_members_whose_data_overlap_are_refused_as_a_bomb():
    data = zip_bytes(("IM0001", b"a" * 100), ("IM0002", b"b" * 100), compression=zipfile.ZIP_STORED)
    data = forge(data, "IM0001", packed=150, size=150)  # IM0001's data now runs into IM0002

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "zip_bomb"
    assert error.name == "study.zip/IM0002"


# --- what a zip may hold -------------------------------------------------------------------------


def test_a_nested_zip_is_refused_by_its_name():
    data = zip_bytes(("series1/IM0001", b"a"), ("series1/more.zip", b"anything"))

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "nested_zip"
    assert str(error) == (
        "study.zip/series1/more.zip: nested zip archives are not accepted; "
        "unzip more.zip first and upload what it holds"
    )


def test_a_nested_zip_is_refused_by_its_content():
    data = zip_bytes(("IM0001", zip_bytes(("IM0002", b"b"))))

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "nested_zip"
    assert error.name == "study.zip/IM0001"


UNSAFE_PATHS = [
    "/etc/passwd",
    "../../etc/cron.d/job",
    "series1/../../job",
    "C:/Windows/job",
    "..\\job",
    "series1\\IM0001",
]


@pytest.mark.parametrize("path", UNSAFE_PATHS)
def test_paths_that_would_escape_the_folder_are_refused(path):
    data = zip_bytes(("IM0001", b"a"), (path, b"b"))

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "unsafe_path"
    assert error.name == f"study.zip/{path}"


@pytest.mark.parametrize("kind, code", [(stat.S_IFLNK, "symlink"), (stat.S_IFIFO, "special_file")])
def test_links_and_other_special_files_are_refused(kind, code):
    data = zip_bytes(("IM0001", b"a"), (unix_info("series1/IM0002", kind), b"/etc/passwd"))

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == code
    assert error.name == "study.zip/series1/IM0002"


def test_password_protected_members_are_refused():
    data = forge(zip_bytes(("IM0001", b"a")), "IM0001", flags=0x1)

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "encrypted"
    assert "password" in str(error)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_methods_whose_output_zipfile_cannot_bound_are_refused(method):
    data = zip_bytes(("IM0001", b"a" * 1000), compression=method)

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "unsupported_compression"
    assert "Deflate" in str(error)


def test_two_files_of_the_same_name_are_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns, and writes both
        data = zip_bytes(("series1/IM0001", b"a"), ("series1/IM0001", b"b"))

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "duplicate_name"


def test_a_damaged_zip_is_refused_naming_it():
    data = zip_bytes(("IM0001", b"a" * 1000))[:-30]

    error = refused(lambda: list(expand(upload(data))))

    assert error.code == "corrupt_zip"
    assert error.name == "study.zip"


# --- limits --------------------------------------------------------------------------------------


def test_too_many_files_counts_the_files_inside_zips():
    sources = [("IM0001", io.BytesIO(b"a")), ("IM0002", io.BytesIO(b"b"))]
    sources += upload(zip_bytes(("IM0003", b"c"), ("IM0004", b"d")))

    assert len(list(expand(sources, ArchiveLimits(max_files=4)))) == 4
    error = refused(lambda: list(expand(sources, ArchiveLimits(max_files=3))))

    assert error.code == "too_many_files"
    assert error.name == "study.zip/IM0004"


def test_a_zip_listing_too_many_entries_is_refused_before_zipfile_reads_them(monkeypatch):
    data = zip_bytes(*((f"__MACOSX/._IM{n:04}", b"") for n in range(10)))
    monkeypatch.setattr(archive.zipfile, "ZipFile", None)  # any use of it would fail

    error = refused(lambda: list(expand(upload(data), ArchiveLimits(max_files=3))))

    assert error.code == "too_many_files"
    assert error.name == "study.zip"


def test_a_zip64_directory_is_counted_too(monkeypatch):
    data = as_zip64(zip_bytes(*((f"IM{n:04}", b"x") for n in range(10))))
    assert len(list(expand(upload(data)))) == 10
    monkeypatch.setattr(archive.zipfile, "ZipFile", None)

    error = refused(lambda: list(expand(upload(data), ArchiveLimits(max_files=3))))

    assert error.code == "too_many_files"


def test_the_unpacked_total_is_limited_across_the_upload():
    sources = [("IM0001", io.BytesIO(bytes(400)))] + upload(zip_bytes(("IM0002", bytes(400))))

    error = refused(lambda: list(expand(sources, ArchiveLimits(max_total_bytes=700))))

    assert error.code == "total_too_large"
    assert error.name == "study.zip/IM0002"


def test_a_plain_file_over_the_file_limit_is_refused():
    sources = [("IM0001", io.BytesIO(bytes(2000)))]

    error = refused(lambda: list(expand(sources, ArchiveLimits(max_file_bytes=1000))))

    assert error.code == "file_too_large"
    assert str(error).startswith("IM0001: this file is 2 KB")


# --- folders -------------------------------------------------------------------------------------


@pytest.fixture
def study_folder(tmp_path):
    """study/ with two series, a zip among them, and what a walk must leave alone."""
    study = tmp_path / "study"
    (study / "series2").mkdir(parents=True)
    (study / "series1" / "nested").mkdir(parents=True)
    (study / "series1" / "IM0002").write_bytes(b"s1 i2")
    (study / "series1" / "IM0001").write_bytes(b"s1 i1")
    (study / "series1" / "nested" / "IM0003").write_bytes(b"s1 i3")
    (study / "series2" / "export.bin").write_bytes(zip_bytes(("IM0001", b"s2 i1")))
    (study / "series2" / ".hidden").write_bytes(b"hidden")
    (study / ".git").mkdir()
    (study / ".git" / "HEAD").write_bytes(b"hidden folder")
    (study / "Thumbs.db").write_bytes(b"junk")
    (tmp_path / "secret").write_bytes(b"outside the study")
    os.symlink(tmp_path / "secret", study / "series2" / "link")
    os.symlink(study / "series1", study / "linked-folder")
    return study


def test_a_folder_walk_is_sorted_opens_zips_and_skips_hidden_files_junk_and_links(study_folder):
    assert contents(walk_folder(study_folder)) == {
        "study/series1/IM0001": b"s1 i1",
        "study/series1/IM0002": b"s1 i2",
        "study/series1/nested/IM0003": b"s1 i3",
        "study/series2/export.bin/IM0001": b"s2 i1",
    }
    assert list(contents(walk_folder(study_folder))) == sorted(contents(walk_folder(study_folder)))


def test_a_folder_walk_takes_a_single_zip_or_file(study_folder):
    zipped = study_folder / "series2" / "export.bin"
    single = study_folder / "series1" / "IM0001"

    assert [m.name for m in walk_folder(zipped)] == ["export.bin/IM0001"]
    assert contents(walk_folder(single)) == {"IM0001": b"s1 i1"}


def test_a_folder_walk_of_the_current_folder_names_it(study_folder, monkeypatch):
    monkeypatch.chdir(study_folder / "series1")

    assert [m.name for m in walk_folder(".")] == [
        "series1/IM0001",
        "series1/IM0002",
        "series1/nested/IM0003",
    ]


def test_a_folder_walk_keeps_the_limits(study_folder):
    error = refused(lambda: list(walk_folder(study_folder, ArchiveLimits(max_files=3))))

    assert error.code == "too_many_files"
    assert error.name == "study/series2/export.bin/IM0001"


def test_a_folder_walk_names_a_missing_path(tmp_path):
    error = refused(lambda: list(walk_folder(tmp_path / "absent")))

    assert error.code == "not_found"
    assert str(tmp_path / "absent") in str(error)
