"""The pixel store: a grey frame's stored values, MED-predicted, zigzagged, split into byte planes
and gzipped, must come back exactly, in the layout the browser's inverse expects."""

import gzip
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from dicom.frames import stored_values
from dicom.pixelstore import decode, encode
from dicom.reading import ReadLimits, read_dataset

KiB = 1024


def round_trip(values):
    values = np.asarray(values)
    rows, columns = values.shape
    return decode(encode(values), rows, columns, values.dtype == np.int16)


def slice_of(name):
    return stored_values(read_dataset(Path(get_testdata_file(name)).read_bytes(), ReadLimits()))


def planes(z):
    z = np.asarray(z, dtype=np.uint16)
    return bytes((z & 0xFF).astype(np.uint8)) + bytes((z >> 8).astype(np.uint8))


def residuals_as_written(values):
    """The zigzagged residuals, pixel by pixel, as the format's description words them: in the
    frame's own domain, with its edge rules. Slow and literal, to check the fast encoder."""
    v = [[int(x) for x in row] for row in values]
    z = []
    for r, row in enumerate(v):
        for c, value in enumerate(row):
            if r == 0 and c == 0:
                prediction = 0
            elif r == 0:
                prediction = row[c - 1]
            elif c == 0:
                prediction = v[r - 1][0]
            else:
                a, b, cc = row[c - 1], v[r - 1][c], v[r - 1][c - 1]
                if cc >= max(a, b):
                    prediction = min(a, b)
                elif cc <= min(a, b):
                    prediction = max(a, b)
                else:
                    prediction = a + b - cc
            e16 = ((value - prediction + 32768) % 65536) - 32768
            z.append(((e16 << 1) ^ (e16 >> 15)) & 0xFFFF)
    return z


# --- the format --------------------------------------------------------------------------------


def test_the_payload_is_zigzagged_med_residuals_low_bytes_then_high_bytes():
    values = np.array([[10, 12, 11], [13, 15, 1000]], dtype=np.uint16)
    # (0,0) predicts 0: e = 10, z = 20. Row 0 predicts left: e = 2, z = 4; e = -1, z = 1.
    # (1,0) predicts up, 10: e = 3, z = 6.
    # (1,1): a = 13, b = 12, cc = 10 <= min, so max = 13: e = 2, z = 4.
    # (1,2): a = 15, b = 11, cc = 12 between them, so 15 + 11 - 12 = 14: e = 986, z = 1972 = 0x07B4.

    payload = gzip.decompress(encode(values))

    assert payload == bytes([20, 4, 1, 6, 4, 0xB4]) + bytes([0, 0, 0, 0, 0, 0x07])


def test_a_cc_above_both_neighbours_predicts_the_smaller_one():
    values = np.array([[9, 9], [1, 5]], dtype=np.uint16)
    # (1,1): a = 1, b = 9, cc = 9 >= max, so min = 1: e = 4, z = 8. (1,0): 1 - 9 = -8, z = 15.

    assert gzip.decompress(encode(values)) == planes([18, 0, 15, 8])


def test_signed_residuals_wrap_to_16_bits_before_the_zigzag():
    payload = gzip.decompress(encode(np.array([[-32768, 32767]], dtype=np.int16)))

    # -32768 - 0 zigzags to 0xFFFF; 32767 - (-32768) = 65535 wraps to -1, which zigzags to 1.
    assert payload == bytes([0xFF, 0x01]) + bytes([0xFF, 0x00])


@pytest.mark.parametrize("dtype", [np.int16, np.uint16])
def test_the_payload_matches_the_format_as_written_on_random_frames(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(11)
    values = rng.integers(info.min, info.max, (9, 13), endpoint=True, dtype=dtype)
    values[3:6, 4:9] = info.max  # flat areas and cliffs, where the edge rules matter
    values[6:, :5] = info.min

    assert gzip.decompress(encode(values)) == planes(residuals_as_written(values))


def test_the_blob_is_one_gzip_member_a_browser_inflates_itself():
    blob = encode(np.zeros((4, 4), dtype=np.uint16))

    assert blob[:3] == b"\x1f\x8b\x08"  # gzip magic and deflate (RFC 1952): Content-Encoding: gzip
    assert zlib.decompress(blob, 31) == bytes(32)


def test_the_high_plane_is_deflated_afresh_after_a_full_flush():
    values = slice_of("CT_small.dcm")
    blob = encode(values)
    high = gzip.decompress(blob)[values.size :]
    # A full flush ends with an empty stored block (00 00 FF FF) and forgets the history, so
    # what follows inflates on its own, with its own Huffman tables.
    flushes = [at for at in range(len(blob)) if blob.startswith(b"\x00\x00\xff\xff", at)]

    assert any(_inflates_to(blob[at + 4 : -8], high) for at in flushes)


def _inflates_to(raw, expected):
    try:
        return zlib.decompress(raw, -zlib.MAX_WBITS) == expected
    except zlib.error:
        return False


# --- exact round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int16, np.uint16])
def test_random_values_come_back_exactly(dtype):
    low, high = np.iinfo(dtype).min, np.iinfo(dtype).max
    values = np.random.default_rng(7).integers(low, high, (37, 53), endpoint=True, dtype=dtype)

    back = round_trip(values)

    assert back.dtype == dtype
    assert np.array_equal(back, values)


@pytest.mark.parametrize(
    "values",
    [
        np.array([[-32768]], dtype=np.int16),
        np.array([[32767]], dtype=np.int16),
        np.array([[32767, -32768, 32767, -32768, 0]], dtype=np.int16),
        np.array([[-32768, 32767], [32767, -32768], [-32768, 32767]], dtype=np.int16),
        np.array([[65535, 0, 65535], [0, 65535, 0]], dtype=np.uint16),
        np.full((1, 1), 65535, dtype=np.uint16),
        np.zeros((1, 1), dtype=np.uint16),
        np.arange(-32768, 32768, 257, dtype=np.int16).reshape(-1, 1),  # one column
        np.arange(0, 65536, 4369, dtype=np.uint16).reshape(1, -1),  # one row, an odd width
        np.random.default_rng(8).integers(0, 65536, (7, 3), dtype=np.uint16),
        np.random.default_rng(9).integers(-32768, 32768, (3, 7), dtype=np.int16),
        np.random.default_rng(10).integers(0, 65536, (1, 1), dtype=np.uint16).repeat(5, 0),
    ],
    ids=["1x1 minimum", "1x1 int16 maximum", "extremes side by side", "extremes checkered",
         "uint16 extremes", "1x1 maximum", "1x1 zero", "one column", "one row", "odd width",
         "odd height", "one column of one value"],
)
def test_edge_cases_come_back_exactly(values):
    back = round_trip(values)

    assert back.dtype == values.dtype
    assert np.array_equal(back, values)


def test_big_endian_input_is_stored_the_same_way():
    values = np.array([[1, -2], [300, -400]], dtype=np.int16)

    assert encode(values.astype(">i2")) == encode(values)


@pytest.mark.parametrize("name", ["CT_small.dcm", "693_UNCR.dcm", "MR2_UNCR.dcm", "RG3_UNCR.dcm"])
def test_real_slices_come_back_exactly(name):
    values = slice_of(name)

    assert np.array_equal(round_trip(values), values)


def test_it_refuses_what_isnt_a_16_bit_frame():
    with pytest.raises(ValueError):
        encode(np.zeros((2, 2, 2), dtype=np.uint16))
    with pytest.raises(ValueError):
        encode(np.zeros((2, 2), dtype=np.float32))


def test_decode_refuses_a_blob_of_the_wrong_size():
    with pytest.raises(ValueError, match="not 2 x 3 x 3"):
        decode(encode(np.zeros((2, 2), dtype=np.uint16)), 3, 3, False)


# --- size and speed ----------------------------------------------------------------------------


def test_a_512_by_512_ct_slice_stores_in_110_kib():
    values = slice_of("693_UNCR.dcm")
    plain = zlib.compress(values.astype("<i2").tobytes(), 6)

    stored = len(encode(values))

    assert stored <= 110 * KiB  # 109.9 KiB measured; lossless JPEG 2000 of the slice is 103 KiB
    assert stored < 0.6 * len(plain)  # plain deflate of the raw values: 187 KiB


def test_encoding_a_512_by_512_slice_takes_a_few_milliseconds():
    values = slice_of("693_UNCR.dcm")

    fastest = min(timed(encode, values) for _ in range(5))

    assert fastest < 0.05  # about 7 ms measured (bench/ingest.py times it); generous


def timed(function, *args):
    """The CPU time function(*args) takes: the wall clock moves with the machine's load."""
    start = time.process_time()
    function(*args)
    return time.process_time() - start
