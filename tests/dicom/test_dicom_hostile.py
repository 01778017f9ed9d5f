"""Hostile uploads, each generated here: every one must be refused with a DicomError that says what
is wrong, after little work, without allocating much, and no other exception may escape.

Work is bounded in CPU time of this process, not on the wall clock, which a busy machine moves
(a refusal that takes 0.8 s alone took 3.6 s beside other work): the bounds are wide, yet an
input that makes the reader loop or walk quadratically still fails them; tracemalloc bounds
what a bomb would allocate."""

import gzip
import random
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, get_frame
from pydicom.uid import (
    MPEG4HP41,
    CTImageStorage,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    generate_uid,
)

from dicom.frames import stored_values, to_picture
from dicom.reading import DicomError, ReadLimits, check_image, read_dataset

# Hostile bytes make pydicom warn as it reads them; the refusals are what count here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

LIMITS = ReadLimits()
MiB = 2**20
PIXEL_DATA = 0x7FE00010
SERIES = 0x00081115  # Referenced Series Sequence


# --- Building files -----------------------------------------------------------------------------


def ct(rows=64, columns=64, frames=1, syntax=ExplicitVRLittleEndian, pixels=True, **elements):
    """A small CT dataset; pixels=False leaves Pixel Data out, for a test to append its own."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, generate_uid()
    ds.Modality = "CT"
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, columns, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    if pixels:
        ds.PixelData = (np.arange(rows * columns * frames) % 4096).astype("<u2").tobytes()
    return ds


def file_bytes(ds):
    out = BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def element(tag, vr, value=b"", length=None):
    """One explicit VR little endian element (PS3.5 7.1.2), its length forged if given."""
    size = len(value) if length is None else length
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2s2xL", tag >> 16, tag & 0xFFFF, vr.encode(), size) + value
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr.encode(), size) + value


def item(content=b"", length=None):
    return struct.pack("<HHL", 0xFFFE, 0xE000, len(content) if length is None else length) + content


ITEM_END = struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
SEQUENCE_END = struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
UNDEFINED = 0xFFFFFFFF


def with_pixel_data(value, length=None, vr="OW", **header):
    """A CT file whose Pixel Data element is written by hand (it comes last, so order holds)."""
    return file_bytes(ct(pixels=False, **header)) + element(PIXEL_DATA, vr, value, length)


def nested(depth, defined=False):
    """A file with `depth` sequences each inside the last one's item (Referenced Series)."""
    if not defined:  # open them all, then close them all: no lengths to work out
        opening = element(SERIES, "SQ", length=UNDEFINED) + item(length=UNDEFINED)
        return file_bytes(ct(pixels=False)) + opening * depth + (ITEM_END + SEQUENCE_END) * depth
    inner = b""
    for _ in range(depth):
        inner = element(SERIES, "SQ", item(inner))
    return file_bytes(ct(pixels=False)) + inner


def deflated_file(*pieces):
    """A file with the Deflated Explicit VR Little Endian transfer syntax (PS3.5 A.5), whose data
    set is the pieces: bytes, or ("zeros", n) for n zero bytes that are never held in memory. Raw
    deflate blocks concatenate, and a full flush makes each compressed block stand alone, so one
    compressed MiB of zeros can be repeated."""
    written = file_bytes(ct(pixels=False, syntax=DeflatedExplicitVRLittleEndian))
    meta = written[: _meta_end(written)]
    return meta + b"".join(map(_deflated, pieces)) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def _meta_end(data):
    """Where group 0002 ends in a file pydicom wrote: after its group length's count of bytes."""
    return 144 + struct.unpack("<L", data[140:144])[0]


def _deflated(piece):
    stream = zlib.compressobj(9, zlib.DEFLATED, -15)
    if isinstance(piece, bytes):
        return stream.compress(piece) + stream.flush(zlib.Z_FULL_FLUSH)
    _, size = piece
    block = stream.compress(bytes(MiB)) + stream.flush(zlib.Z_FULL_FLUSH)
    return block * (size // MiB)


def header_body():
    """The data set of a CT file without its pixel data, as written (explicit VR little endian)."""
    data = file_bytes(ct(pixels=False))
    return data[_meta_end(data) :]


def j2k_codestream(width, height):
    """The start of a JPEG 2000 codestream: SOC and a SIZ segment (ISO 15444-1 A.5.1) claiming
    width x height, one 16-bit component, then junk where the tiles would be."""
    size = struct.pack(">HHLLLLLLLLH", 41, 0, width, height, 0, 0, width, height, 0, 0, 1)
    return b"\xff\x4f\xff\x51" + size + b"\x0f\x01\x01" + bytes(64)


def jpeg_codestream(width, height):
    """The start of a JPEG: SOI, a baseline frame header (ISO 10918-1 B.2.2) claiming width x
    height and one component, the scan header, then junk where the scan would be."""
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    scan = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + frame + scan + bytes(64)


def compressed(syntax, frame, rows=64, columns=64, bits=16):
    ds = ct(rows, columns, syntax=syntax, pixels=False, BitsAllocated=bits, BitsStored=bits)
    ds.PixelData = encapsulate([frame])
    return file_bytes(ds)


def picture(kind):
    out = BytesIO()
    Image.new("L", (8, 8)).save(out, kind)
    return out.getvalue()


def zipped(data):
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("IM0001.dcm", data)
    return out.getvalue()


# --- Running them -------------------------------------------------------------------------------


def refusal(data, limits=LIMITS):
    """The DicomError that reading `data` (then checking and showing it) ends in, after less than
    10 s of CPU time: the costliest refusal here, 250,000 elements walked, takes 1 to 2 s."""
    start = time.process_time()
    with pytest.raises(DicomError) as caught:
        ds = read_dataset(data, limits)
        check_image(ds, limits)
        to_picture(ds)
    assert time.process_time() - start < 10
    error = caught.value
    assert error.code and len(str(error)) > 15
    return error


def peak_memory(data, limits=LIMITS):
    """The most memory Python held while refusing `data`."""
    tracemalloc.start()
    try:
        with pytest.raises(DicomError):
            ds = read_dataset(data, limits)
            check_image(ds, limits)
            to_picture(ds)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- Not DICOM at all ---------------------------------------------------------------------------


def test_it_refuses_an_empty_file():
    error = refusal(b"")

    assert error.code == "empty"
    assert str(error) == "the file is empty"


def test_it_refuses_a_file_larger_than_the_limit():
    error = refusal(file_bytes(ct()), ReadLimits(max_bytes=1000))

    assert error.code == "too_large"
    assert "more than the 1,000 bytes allowed" in str(error)


PRETENDERS = {
    "HTML": lambda: b"<!DOCTYPE html>\n<html><head><title>CT</title></head><body></body></html>",
    "an SVG image": lambda: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    "XML": lambda: b'<?xml version="1.0" encoding="UTF-8"?>\n<study><series/></study>',
    "PostScript (EPS)": lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\nshowpage\n",
    "a PDF document": lambda: b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "a TIFF image": lambda: picture("TIFF"),
    "a PNG image": lambda: picture("PNG"),
    "a JPEG image": lambda: picture("JPEG"),
    "a ZIP archive": lambda: zipped(file_bytes(ct())),
    "a gzip archive": lambda: gzip.compress(file_bytes(ct())),
    "plain text": lambda: "Findings: none acute.\nImpression: normal — as before.".encode(),
}


@pytest.mark.parametrize("kind", PRETENDERS)
def test_it_says_what_a_file_that_only_pretends_to_be_dicom_looks_like(kind):
    error = refusal(PRETENDERS[kind]())

    assert error.code == "not_dicom"
    assert str(error) == f"not a DICOM file (it looks like {kind})"


def test_it_refuses_binary_junk_without_a_dicm_marker():
    junk = random.Random(1).randbytes(4096)

    error = refusal(b"\xff" + junk)

    assert error.code == "not_dicom"
    assert "no DICM marker" in str(error)


# --- Truncated and damaged ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "where", ["in the file meta", "in an element header", "in the pixel data", "one byte short"]
)
def test_it_refuses_a_truncated_file(where):
    data = file_bytes(ct())
    pixels = data.index(struct.pack("<HH", 0x7FE0, 0x0010))
    cut = {
        "in the file meta": 140,
        "in an element header": pixels + 6,
        "in the pixel data": len(data) - 1000,
        "one byte short": len(data) - 1,
    }[where]

    error = refusal(data[:cut])

    assert error.code == "truncated"
    assert "truncated" in str(error)


def test_it_refuses_a_sequence_the_file_ends_inside():
    unfinished = item(element(0x00081150, "UI", b"1.2\0"), UNDEFINED)

    data = file_bytes(ct(pixels=False)) + element(SERIES, "SQ", unfinished, UNDEFINED)

    assert refusal(data).code == "truncated"


def test_it_refuses_random_bytes_after_the_dicm_marker():
    junk = random.Random(2).randbytes(20_000)

    error = refusal(bytes(128) + b"DICM" + junk)

    assert error.code in ("corrupt", "truncated", "too_deep", "not_dicom", "no_pixels")


def fuzzed_files(count=300):
    """A small image with a sequence and compressed pixel data, damaged in 1 to 8 random bytes."""
    ds = ct(syntax=JPEG2000Lossless, pixels=False, ReferencedImageSequence=[Dataset()])
    ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID = generate_uid()
    ds.PixelData = encapsulate([j2k_codestream(64, 64)])
    original = file_bytes(ds)
    chance = random.Random(3)
    for _ in range(count):
        data = bytearray(original)
        for _ in range(chance.randint(1, 8)):
            data[chance.randrange(132, len(data))] = chance.randrange(256)
        yield bytes(data)


def test_damaged_bytes_anywhere_raise_nothing_but_dicom_errors():
    for data in fuzzed_files():
        start = time.process_time()  # a 64 x 64 image: milliseconds of CPU
        try:
            ds = read_dataset(data, LIMITS)
            check_image(ds, LIMITS)
            to_picture(ds)
            stored_values(ds)
        except DicomError as error:
            assert str(error)
        assert time.process_time() - start < 2


# --- Forged lengths -----------------------------------------------------------------------------


def test_it_refuses_pixel_data_claiming_four_gigabytes_without_allocating_them():
    data = with_pixel_data(bytes(16), length=0xFFFFFFF0)

    error = refusal(data)

    assert error.code == "truncated"
    assert "(7FE0,0010) Pixel Data claims 4,294,967,280 bytes, past the end" in str(error)
    assert peak_memory(data) < 256 * MiB


def test_it_refuses_an_element_one_byte_longer_than_the_file():
    data = file_bytes(ct(pixels=False)) + element(0x00291010, "OB", bytes(100), length=101)

    assert refusal(data).code == "truncated"


def test_it_refuses_an_element_longer_than_the_item_holding_it():
    forged = element(0x00081150, "UI", b"1.2.3\0", length=200) + bytes(200)
    sequence = element(SERIES, "SQ", item(forged, length=14))
    data = file_bytes(ct(pixels=False)) + sequence + bytes(200)

    error = refusal(data)

    assert error.code == "corrupt"
    assert "more than the sequence or item around it holds" in str(error)


def test_it_refuses_a_compressed_fragment_claiming_more_than_the_file_holds():
    fragments = item() + item(bytes(64), length=0x7FFFFFFF)
    header = file_bytes(ct(pixels=False, syntax=JPEG2000Lossless))

    data = header + element(PIXEL_DATA, "OB", fragments, UNDEFINED)

    assert refusal(data).code == "truncated"
    assert peak_memory(data) < 256 * MiB


def test_it_refuses_a_forged_length_in_a_file_without_meta():
    body = struct.pack("<HHL", 0x0008, 0x0016, 26) + b"1.2.840.10008.5.1.4.1.1.2\0"
    data = body + struct.pack("<HHL", 0x0010, 0x0010, 0xFFFFFF00) + b"Anon"

    error = refusal(data)

    assert error.code == "truncated"
    assert "(0010,0010) Patient's Name claims" in str(error)


def test_it_refuses_too_many_elements_quickly():
    elements = (struct.pack("<HHL", 0x0009 + 2 * (n >> 16), n & 0xFFFF, 0) for n in range(300_000))

    error = refusal(bytes(128) + b"DICM" + b"".join(elements))

    assert error.code == "too_many_elements"


# --- Nesting ------------------------------------------------------------------------------------


def test_sixteen_nested_sequences_are_read():
    ds = read_dataset(nested(16), LIMITS)

    assert "ReferencedSeriesSequence" in ds


@pytest.mark.parametrize("defined", [False, True])
def test_it_refuses_sequences_nested_deeper_than_the_limit(defined):
    error = refusal(nested(17, defined))

    assert error.code == "too_deep"
    assert str(error) == "the file nests sequences more than 16 deep"


def test_it_refuses_a_hundred_thousand_nested_sequences_without_recursing():
    assert refusal(nested(100_000)).code == "too_deep"


def test_nesting_deeper_than_python_recurses_is_a_dicom_error_even_if_the_limit_allows_it():
    error = refusal(nested(5000), ReadLimits(max_sequence_depth=100_000))

    assert error.code == "corrupt"
    assert isinstance(error.__cause__, RecursionError)


# --- Deflate bombs ------------------------------------------------------------------------------


def test_a_deflated_image_within_the_limits_is_read():
    pixels = element(PIXEL_DATA, "OW", bytes(64 * 64 * 2))

    ds = read_dataset(deflated_file(header_body() + pixels), LIMITS)
    check_image(ds, LIMITS)

    assert to_picture(ds).size == (64, 64)


def test_it_refuses_four_gigabytes_of_deflated_zeros_quickly_and_in_little_memory():
    data = deflated_file(("zeros", 4096 * MiB))
    assert len(data) < 8 * MiB

    assert refusal(data).code in ("too_many_elements", "too_large")
    assert peak_memory(data) < 256 * MiB


def test_it_refuses_a_deflated_element_claiming_more_than_the_inflate_limit():
    claim = element(PIXEL_DATA, "OW", length=3 * 2**30)
    data = deflated_file(header_body() + claim, ("zeros", 64 * MiB))

    error = refusal(data)

    assert error.code == "too_large"
    assert str(error) == "its deflated data set inflates to more than the 1,024 MiB allowed"
    assert peak_memory(data) < 256 * MiB


def test_it_stops_inflating_at_the_limit_when_every_element_is_plausible():
    pieces = [header_body()]
    for number in range(8):  # 8 private elements of 16 MiB each: 128 MiB inflated
        pieces += [element(0x00291010 + number, "OB", length=16 * MiB), ("zeros", 16 * MiB)]
    limits = ReadLimits(max_inflated_bytes=64 * MiB)

    assert refusal(deflated_file(*pieces), limits).code == "too_large"
    assert peak_memory(deflated_file(*pieces), limits) < 256 * MiB


def test_it_refuses_a_damaged_deflate_stream():
    data = deflated_file(header_body())
    damaged = data[:-40] + bytes(b ^ 0x5A for b in data[-40:])

    assert refusal(damaged).code in ("corrupt", "truncated")


def test_it_refuses_a_deflate_stream_that_stops_early():
    data = deflated_file(header_body() + element(PIXEL_DATA, "OW", bytes(8192)))

    assert refusal(data[:-30]).code == "truncated"


# --- Pixel dimensions ---------------------------------------------------------------------------


def test_it_refuses_frames_of_more_pixels_than_the_limit():
    data = with_pixel_data(bytes(8), Rows=65535, Columns=65535)

    error = refusal(data)

    assert error.code == "too_large"
    assert "its frames are 65,535 x 65,535 pixels, more than the 100,000,000 allowed" in str(error)
    assert peak_memory(data) < 256 * MiB


def test_it_refuses_more_frames_than_the_limit():
    error = refusal(with_pixel_data(bytes(8), Rows=2, Columns=2, NumberOfFrames=100_000))

    assert error.code == "too_large"
    assert "100,000 frames" in str(error)


def test_it_refuses_pixels_that_would_decode_to_more_than_the_limit():
    data = with_pixel_data(bytes(8), Rows=4096, Columns=4096, NumberOfFrames=200)

    error = refusal(data)

    assert error.code == "too_large"
    assert "its pixels would take 6,400 MiB decoded, more than the 2,048 MiB allowed" in str(error)
    assert peak_memory(data) < 256 * MiB


def test_it_refuses_huge_compressed_frames_before_decoding_them():
    data = compressed(JPEG2000Lossless, j2k_codestream(60000, 60000), rows=60000, columns=60000)

    assert refusal(data).code == "too_large"
    assert peak_memory(data) < 256 * MiB


@pytest.mark.parametrize(
    "syntax, codestream",
    [
        (JPEG2000Lossless, j2k_codestream(40000, 40000)),
        (JPEGBaseline8Bit, jpeg_codestream(40000, 40000)),
    ],
    ids=["JPEG 2000", "JPEG"],
)
def test_it_refuses_a_codestream_larger_than_the_file_says_before_decoding_it(syntax, codestream):
    data = compressed(syntax, codestream, bits=8 if syntax == JPEGBaseline8Bit else 16)

    error = refusal(data)

    assert error.code == "corrupt"
    assert "compressed as 40,000 x 40,000 pixels, but the file says 64 x 64" in str(error)
    assert peak_memory(data) < 256 * MiB


@pytest.mark.parametrize("difference, code", [(-2, "truncated"), (2, "corrupt")])
def test_native_pixel_data_must_be_as_long_as_its_size_says(difference, code):
    error = refusal(with_pixel_data(bytes(64 * 64 * 2 + difference)))

    assert error.code == code
    size = f"{8192 + difference:,} bytes, but 64 x 64 pixels of 16 bits need 8,192"
    assert f"its pixel data is {size}" in str(error)


def test_odd_native_pixel_data_may_carry_a_pad_byte():
    header = dict(Rows=3, Columns=3, BitsAllocated=8, BitsStored=8, HighBit=7)

    ds = read_dataset(with_pixel_data(bytes(10), vr="OB", **header), LIMITS)

    assert to_picture(ds).size == (3, 3)


def test_it_refuses_a_number_of_frames_that_isnt_a_number():
    rows = b"\x28\x00\x10\x00"  # (0028,0010), which Number of Frames (0028,0008) comes before
    header = file_bytes(ct(pixels=False)).replace(rows, element(0x00280008, "IS", b"1A") + rows)

    error = refusal(header + element(PIXEL_DATA, "OW", bytes(8192)))

    assert error.code == "bad_value"
    assert str(error) == "its Number of Frames isn't a whole number"


# --- Pixel data no installed decoder reads ------------------------------------------------------


def test_it_refuses_a_video_transfer_syntax_naming_it():
    error = refusal(compressed(MPEG4HP41, b"\x00\x00\x01\xb3" + bytes(60), bits=8))

    assert error.code == "no_decoder"
    assert "MPEG-4 AVC/H.264 High Profile / Level 4.1" in str(error)


def test_it_refuses_12_bit_lossy_jpeg_saying_which_optional_decoder_reads_it():
    error = refusal(compressed(JPEGExtended12Bit, jpeg_codestream(64, 64), bits=16))

    assert error.code == "no_decoder"
    assert "pylibjpeg-libjpeg" in str(error) and "pip install '.[jpeg12]'" in str(error)


def test_damaged_compressed_pixel_data_is_a_dicom_error_when_decoded():
    error = refusal(compressed(JPEG2000Lossless, j2k_codestream(64, 64)))

    assert error.code == "undecodable"
    assert "JPEG 2000" in str(error)


# --- Damaged codestreams that crash decoders -----------------------------------------------------


def damaged_frame(name, changes):
    """A sample's first frame with some bytes changed ({offset: byte}), as a one-frame file."""
    ds = pydicom.dcmread(get_testdata_file(name))
    frame = bytearray(get_frame(ds.PixelData, 0, number_of_frames=int(ds.get("NumberOfFrames", 1))))
    for offset, byte in changes.items():
        frame[offset] = byte
    if "NumberOfFrames" in ds:
        ds.NumberOfFrames = 1
    ds.PixelData = encapsulate([bytes(frame)])
    return file_bytes(ds)


# Each of these aborted the whole Python process (SIGABRT) when GDCM decoded it.
DECODER_KILLERS = {
    "lossless JPEG, precision 129": lambda: damaged_frame("JPEG-LL.dcm", {6: 0x81}),
    "lossless JPEG, a marker lost": lambda: damaged_frame("JPEG-LL.dcm", {15: 0x76}),
    "JPEG-LS, precision 129": lambda: damaged_frame("MR_small_jpeg_ls_lossless.dcm", {6: 0x81}),
    "Adobe colour transform 173": lambda: damaged_frame("SC_rgb_jpeg_gdcm.dcm", {17: 0xAD}),
    "JPEG 2000, 101-bit samples": lambda: compressed(
        JPEG2000Lossless, j2k_codestream(64, 64).replace(b"\x0f\x01\x01", b"\xe4\x01\x01")
    ),
}


def decode_the_decoder_killers():
    """Run in a fresh interpreter, so that an abort fails one test rather than the whole run."""
    for name, build in DECODER_KILLERS.items():
        try:
            ds = read_dataset(build(), LIMITS)
            check_image(ds, LIMITS)
            to_picture(ds)
            print(f"{name}: shown", flush=True)
        except DicomError as error:
            print(f"{name}: DicomError {error.code}", flush=True)


def in_a_fresh_interpreter(function_name, timeout=120):
    root = Path(__file__).resolve().parent.parent.parent
    code = f"from tests.dicom.test_dicom_hostile import {function_name} as run; run()"
    env = {"PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-W", "ignore", "-c", code]
    return subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_damaged_headers_that_abort_gdcm_never_reach_it():
    run = in_a_fresh_interpreter("decode_the_decoder_killers")

    assert run.returncode == 0, run.stderr[-2000:]
    outcomes = dict(line.split(": ") for line in run.stdout.splitlines())
    assert set(outcomes) == set(DECODER_KILLERS)
    assert all(outcome.startswith("DicomError ") for outcome in outcomes.values()), outcomes


def test_a_damaged_rle_frame_that_makes_its_rust_decoder_panic_is_a_dicom_error():
    data = damaged_frame("emri_small_RLE.dcm", {565: 243, 2130: 16})

    error = refusal(data)

    assert error.code == "undecodable"
    assert type(error.__cause__).__name__ == "PanicException"


# --- Under a hard memory limit ------------------------------------------------------------------

CLAIM_2_GIB = struct.pack("<HH2s2xL", 0x7FE0, 0x0010, b"OW", 2**31)

MEMORY_CASES = {
    "forged pixel data length": lambda: with_pixel_data(bytes(16), length=0xFFFFFFF0),
    "deflated zeros": lambda: deflated_file(("zeros", 4096 * MiB)),
    "deflated claim": lambda: deflated_file(header_body() + CLAIM_2_GIB),
    "huge frames": lambda: with_pixel_data(bytes(8), Rows=65535, Columns=65535),
    "huge compressed frames": lambda: compressed(
        JPEG2000Lossless, j2k_codestream(60000, 60000), rows=60000, columns=60000
    ),
    "lying J2K codestream": lambda: compressed(JPEG2000Lossless, j2k_codestream(40000, 40000)),
    "lying JPEG codestream": lambda: compressed(
        JPEGBaseline8Bit, jpeg_codestream(40000, 40000), bits=8
    ),
}


def refuse_all_under_one_gibibyte():
    """Run in a fresh interpreter: caps its address space at 1 GiB (decoders written in C allocate
    where tracemalloc can't see), then prints how each memory case ended."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
    for name, build in MEMORY_CASES.items():
        try:
            ds = read_dataset(build(), LIMITS)
            check_image(ds, LIMITS)
            to_picture(ds)
            print(f"{name}: accepted")
        except DicomError as error:
            print(f"{name}: DicomError {error.code}")
        except BaseException as error:
            print(f"{name}: {type(error).__name__}")


def test_the_memory_cases_are_refused_within_a_one_gibibyte_address_space():
    run = in_a_fresh_interpreter("refuse_all_under_one_gibibyte")

    lines = run.stdout.splitlines()
    assert len(lines) == len(MEMORY_CASES), run.stderr[-2000:]
    assert all(": DicomError " in line for line in lines), lines
