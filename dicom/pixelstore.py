"""Store a grey frame's stored values compactly, for the viewer to window in the browser.

The blob is one gzip member (RFC 1952), served as is with `Content-Encoding: gzip`, so the
browser inflates it itself. The inflated payload of a frame of R rows and C columns is 2 x R x C
bytes (format "med-zigzag-planes"; static/viewer/ decodes it, and must match this exactly):

1. Values v[r][c], row-major, in the frame's own domain: int16 frames as signed integers,
   uint16 frames as unsigned.
2. Predict each value from its neighbours a = left, b = up, cc = up-left with the median edge
   detector of LOCO-I / JPEG-LS (ITU-T T.87 A.4.1):
       if cc >= max(a, b): min(a, b); elif cc <= min(a, b): max(a, b); else a + b - cc.
   At the edges: v[0][0] predicts 0; along row 0, a = v[0][c-1] and b = cc = a, so the
   prediction is the left value; down column 0, a = b = cc = v[r-1][0], so it is the value above.
3. Residual e = v - prediction, wrapped to 16 bits as a signed value:
   e16 = ((e + 32768) mod 65536) - 32768; zigzag z = ((e16 << 1) ^ (e16 >> 15)) & 0xFFFF, so
   that 0, -1, 1, -2, 2... become 0, 1, 2, 3, 4...
4. Byte planes: the R x C low bytes of z, row-major, then the R x C high bytes.

The two planes are deflated as one gzip member (zlib level 9, memLevel 9, Z_RLE) with a full
flush between them, so each gets its own Huffman tables: the low bytes carry the noise, the high
bytes are nearly all zero and shrink to almost nothing.

To decode: inflate; z = low | high << 8; e16 = (z >>> 1) ^ -(z & 1); then in raster order
v = wrap(prediction + e16), prediction taken from the values already decoded, wrap bringing the
sum back into int16 or uint16 (modulo 2^16).

On a 512 x 512 CT slice (pydicom-data's 693_UNCR) this stores 109.9 KiB, against 166 KiB for
row deltas, 187 KiB for plain gzip of the values and 103 KiB for lossless JPEG 2000. MED guesses
an edge's side from the up-left neighbour where a row delta sees only the left one, and the
residuals are small enough that Z_RLE's run search does as well as a full one at a tenth of the
time.
"""

import zlib

import numpy as np

_GZIP = 16 + zlib.MAX_WBITS  # wbits asking zlib for a gzip header and trailer
ENCODING = "med-zigzag-planes"  # the manifest names the format the browser must decode
# Predicting on value + 32768 gives the prediction + 32768 (MED only compares and adds a + b -
# cc), so an int16 frame has the same residuals when taken as its offset, unsigned pattern, if
# its first value, which predicts 0, predicts the offset instead: both dtypes are coded on
# 0..65535, and wrapping is a mask.
_OFFSET = {np.dtype(np.int16): 32768, np.dtype(np.uint16): 0}


def encode(values):
    """A frame of int16 or uint16 values (2-D) as the gzip blob described above."""
    values = np.asarray(values)
    if values.ndim != 2 or values.dtype.kind not in "iu" or values.dtype.itemsize != 2:
        raise ValueError(f"expected a 2-D int16 or uint16 frame, got {values.dtype} {values.shape}")
    low, high = np.empty(values.shape, np.uint8), np.empty(values.shape, np.uint8)
    for top in range(0, values.shape[0], BAND_ROWS):
        zigzag = _band_residuals(values, top, top + BAND_ROWS)
        low[top : top + BAND_ROWS] = zigzag  # the cast keeps the low byte
        high[top : top + BAND_ROWS] = zigzag >> 8
    stream = zlib.compressobj(9, zlib.DEFLATED, _GZIP, 9, zlib.Z_RLE)
    # A full flush ends the low plane's deflate block, so the high plane gets its own tables.
    low_plane = stream.compress(low) + stream.flush(zlib.Z_FULL_FLUSH)
    return low_plane + stream.compress(high) + stream.flush()


# Rows predicted at a time: the int32 working arrays stay a band's size, not the frame's, so a
# large frame costs little more than its two byte planes (docs/performance.md, memory).
BAND_ROWS = 256


def _band_residuals(values, top, bottom):
    """The zigzagged residuals (uint16) of rows top..bottom, predicted from the row above the
    band too (the first row of the frame follows the edge rules instead)."""
    dtype = values.dtype.newbyteorder("=")
    start = max(top - 1, 0)
    unsigned = values[start:bottom].astype(dtype).astype(np.int32)
    if _OFFSET[dtype]:
        unsigned += _OFFSET[dtype]
    residuals = unsigned - _predictions(unsigned, _OFFSET[dtype])
    return _zigzag(residuals[top - start :])


def _predictions(v, first):
    """MED predictions of every value of v (int32), with the edge rules of the docstring; the
    first value predicts `first`."""
    predicted = np.empty_like(v)
    predicted[0, 0] = first
    predicted[0, 1:] = v[0, :-1]
    predicted[1:, 0] = v[:-1, 0]
    predicted[1:, 1:] = _med(v[1:, :-1], v[:-1, 1:], v[:-1, :-1])
    return predicted


def _med(a, b, cc):
    """The rule of the docstring, as the median of a, b and a + b - cc: cc at or above both
    puts a + b - cc at or below both, so the median is the lower; at or below both, the higher;
    between them, a + b - cc lies between them too. Four passes over int32 arrays, without the
    masks two np.where() would build (this was a quarter of a CT slice's ingest)."""
    guess = a + b
    guess -= cc
    np.maximum(guess, np.minimum(a, b), out=guess)
    np.minimum(guess, np.maximum(a, b), out=guess)
    return guess


def _zigzag(residuals):
    """Each residual wrapped to 16 bits and zigzagged, as uint16: int16 arithmetic wraps as the
    docstring's e16 does, and its shift right by 15 is the sign."""
    e16 = residuals.astype(np.int16)
    return ((e16 << 1) ^ (e16 >> 15)).view(np.uint16)


def _unzigzag(z):
    return (z >> 1) ^ -(z & 1)


def decode(blob, rows, columns, signed):
    """The frame encode() stored in `blob`: exactly its values, int16 if signed else uint16."""
    payload = np.frombuffer(zlib.decompress(blob, _GZIP), dtype=np.uint8)
    pixels = rows * columns
    if payload.size != 2 * pixels:
        raise ValueError(f"the blob holds {payload.size} bytes, not 2 x {rows} x {columns}")
    z = payload[:pixels].astype(np.int32) | payload[pixels:].astype(np.int32) << 8
    dtype = np.dtype(np.int16 if signed else np.uint16)
    unsigned = _undo_predictions(_unzigzag(z).reshape(rows, columns), _OFFSET[dtype])
    return (unsigned - _OFFSET[dtype]).astype(dtype)


def _undo_predictions(residuals, origin):
    """Values from their residuals (on 0..65535), the first value predicting `origin`.

    A value needs its left, upper and upper-left neighbours decoded first, so the frame is
    rebuilt one anti-diagonal (r + c = k) at a time: every value of diagonal k depends only on
    diagonals k-1 and k-2, and each step is a few vector operations (R + C - 1 steps instead of
    R x C). Diagonals are kept skewed, skew[k][r] = v[r][k - r]."""
    rows, columns = residuals.shape
    r, c = np.indices(residuals.shape)
    skew = np.zeros((rows + columns - 1, rows), dtype=np.int32)
    errors = np.zeros_like(skew)
    errors[r + c, r] = residuals
    skew[0, 0] = (origin + errors[0, 0]) & 0xFFFF
    for k in range(1, rows + columns - 1):
        first, last = max(0, k - columns + 1), min(k, rows - 1)
        inner = slice(max(first, 1), min(last, k - 1) + 1)  # rows whose pixel has c >= 1
        above = slice(inner.start - 1, inner.stop - 1)
        here = skew[k]
        here[inner] = _med(skew[k - 1, inner], skew[k - 1, above], skew[k - 2, above])
        if first == 0:  # row 0 (c = k): the left value
            here[0] = skew[k - 1, 0]
        if last == k:  # column 0 (r = k): the value above
            here[k] = skew[k - 1, k - 1]
        span = slice(first, last + 1)
        here[span] = (here[span] + errors[k, span]) & 0xFFFF
    return skew[r + c, r]
