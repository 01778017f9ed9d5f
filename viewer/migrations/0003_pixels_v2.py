"""Re-encode stored values written before the pixel store's second format.

The viewer decodes one format only (dicom.pixelstore: median-edge prediction, zigzag, byte
planes). Blobs written earlier used row deltas; every blob present when this migration runs is
one of those, so each is decoded the old way, checked, and written again the new way. A new
database has none and this does nothing.

Both formats are frozen here, as they stood when this migration was written: a migration must
write what the database held at its point in history, whatever dicom.pixelstore becomes.
"""

import zlib

import numpy as np
from django.core.files.base import ContentFile
from django.db import migrations, transaction

_GZIP = 16 + zlib.MAX_WBITS


def decode_row_deltas(blob, rows, columns, signed):
    """The first format: row deltas modulo 2^16, low bytes then high bytes, gzip."""
    payload = np.frombuffer(zlib.decompress(blob, _GZIP), dtype=np.uint8)
    count = rows * columns
    if payload.size != 2 * count:
        raise ValueError(f"{payload.size} bytes, not 2 x {rows} x {columns}")
    low, high = payload[:count].astype(np.uint16), payload[count:].astype(np.uint16)
    values = np.cumsum((low | high << 8).reshape(rows, columns), axis=1, dtype=np.uint16)
    return values.view(np.int16) if signed else values


# --- The second format ("med-zigzag-planes"), as dicom.pixelstore wrote it then --------------
# Each value predicted from its left, upper and upper-left neighbours by the median edge detector
# of LOCO-I (ITU-T T.87 A.4.1); residuals wrapped to 16 bits and zigzagged; their low bytes, then
# their high bytes, deflated as one gzip member with a full flush between the two planes.

# Predicting on value + 32768 gives the prediction + 32768 (MED only compares and adds a + b -
# cc), so an int16 frame has the same residuals when taken as its offset, unsigned pattern, if
# its first value, which predicts 0, predicts the offset instead: both dtypes are coded on
# 0..65535, and wrapping is a mask.
_OFFSET = {np.dtype(np.int16): 32768, np.dtype(np.uint16): 0}


def encode_med(values):
    """A frame of int16 or uint16 values (2-D) as a blob of the second format."""
    values = np.asarray(values)
    if values.ndim != 2 or values.dtype.kind not in "iu" or values.dtype.itemsize != 2:
        raise ValueError(f"expected a 2-D int16 or uint16 frame, got {values.dtype} {values.shape}")
    dtype = values.dtype.newbyteorder("=")
    unsigned = values.astype(dtype).astype(np.int32) + _OFFSET[dtype]
    zigzag = _zigzag(unsigned - _predictions(unsigned, _OFFSET[dtype]))
    low, high = (zigzag & 0xFF).astype(np.uint8), (zigzag >> 8).astype(np.uint8)
    stream = zlib.compressobj(9, zlib.DEFLATED, _GZIP, 9, zlib.Z_RLE)
    # A full flush ends the low plane's deflate block, so the high plane gets its own tables.
    return (
        stream.compress(low.tobytes())
        + stream.flush(zlib.Z_FULL_FLUSH)
        + stream.compress(high.tobytes())
        + stream.flush()
    )


def _predictions(v, first):
    """MED predictions of every value of v (int32): the left value along row 0, the value above
    down column 0; the first value predicts `first`."""
    predicted = np.empty_like(v)
    predicted[0, 0] = first
    predicted[0, 1:] = v[0, :-1]
    predicted[1:, 0] = v[:-1, 0]
    predicted[1:, 1:] = _med(v[1:, :-1], v[:-1, 1:], v[:-1, :-1])
    return predicted


def _med(a, b, cc):
    low, high = np.minimum(a, b), np.maximum(a, b)
    return np.where(cc >= high, low, np.where(cc <= low, high, a + b - cc))


def _zigzag(residuals):
    e16 = ((residuals + 32768) & 0xFFFF) - 32768
    return ((e16 << 1) ^ (e16 >> 15)) & 0xFFFF


def _unzigzag(z):
    return (z >> 1) ^ -(z & 1)


def decode_med(blob, rows, columns, signed):
    """The frame encode_med() stored in `blob`: exactly its values, int16 if signed else uint16."""
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


# --- The migration -------------------------------------------------------------------------


def reencode(apps, schema_editor):
    Image = apps.get_model("viewer", "Image")
    images = Image.objects.exclude(pixels="").select_related("series")
    for image in images.iterator(chunk_size=200):
        old = image.pixels.name
        with image.pixels.open("rb") as stream:
            blob = stream.read()
        values = decode_row_deltas(blob, image.height, image.width, image.series.signed)
        new_blob = encode_med(values)
        again = decode_med(new_blob, image.height, image.width, image.series.signed)
        if not np.array_equal(again, values):
            raise RuntimeError(f"image {image.pk}: re-encoding did not give the same values")
        # A new file first, the row next, the old file only once the row is committed.
        image.pixels.save(old.rsplit("/", 1)[-1], ContentFile(new_blob), save=False)
        Image.objects.filter(pk=image.pk).update(pixels=image.pixels.name)
        storage = image.pixels.storage
        transaction.on_commit(lambda name=old, storage=storage: storage.delete(name))


class Migration(migrations.Migration):
    dependencies = [("viewer", "0002_dicom")]

    operations = [migrations.RunPython(reencode, migrations.RunPython.noop)]
