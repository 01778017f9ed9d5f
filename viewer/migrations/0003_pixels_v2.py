"""Re-encode stored values written before the pixel store's second format.

The viewer decodes one format only (dicom.pixelstore: median-edge prediction, zigzag, byte
planes). Blobs written earlier used row deltas; every blob present when this migration runs is
one of those, so each is decoded the old way, checked, and written again the new way. A new
database has none and this does nothing.
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


def reencode(apps, schema_editor):
    from dicom import pixelstore

    Image = apps.get_model("viewer", "Image")
    images = Image.objects.exclude(pixels="").select_related("series")
    for image in images.iterator(chunk_size=200):
        old = image.pixels.name
        with image.pixels.open("rb") as stream:
            blob = stream.read()
        values = decode_row_deltas(blob, image.height, image.width, image.series.signed)
        new_blob = pixelstore.encode(values)
        if not np.array_equal(pixelstore.decode(new_blob, image.height, image.width,
                                                image.series.signed), values):
            raise RuntimeError(f"image {image.pk}: re-encoding did not give the same values")
        # A new file first, the row next, the old file only once the row is committed.
        image.pixels.save(old.rsplit("/", 1)[-1], ContentFile(new_blob), save=False)
        Image.objects.filter(pk=image.pk).update(pixels=image.pixels.name)
        storage = image.pixels.storage
        transaction.on_commit(lambda name=old: storage.delete(name))


class Migration(migrations.Migration):
    dependencies = [("viewer", "0002_dicom")]

    operations = [migrations.RunPython(reencode, migrations.RunPython.noop)]
