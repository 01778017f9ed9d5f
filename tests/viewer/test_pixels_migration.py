"""Stored values written in the pixel store's first format (row deltas) are re-encoded by
migration viewer 0003 into the format the viewer decodes, exactly, and the old files go."""

import ast
import importlib
import zlib
from pathlib import Path

import numpy as np
from django.apps import apps
from django.core.files.base import ContentFile

from dicom import pixelstore
from tests.dicom_factory import ct_series
from tests.factories import add_dicom, make_case
from viewer.models import Image

migration = importlib.import_module("viewer.migrations.0003_pixels_v2")


def row_delta_blob(values):
    """The first format, as ingest wrote it before the second."""
    patterns = values.view(np.uint16)
    deltas = patterns.copy()
    deltas[:, 1:] = patterns[:, 1:] - patterns[:, :-1]
    payload = np.concatenate([(deltas & 0xFF).astype(np.uint8).ravel(),
                              (deltas >> 8).astype(np.uint8).ravel()])
    stream = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return stream.compress(payload.tobytes()) + stream.flush()


def test_old_stored_values_come_back_exactly_in_the_new_format(
    alice, django_capture_on_commit_callbacks
):
    case = make_case(alice, images=0, modality="CT")
    series = add_dicom(case.studies.get(), ct_series(3))
    expected, old_names = {}, {}
    for image in series.images.all():
        values = pixelstore.decode(image.pixels.read(), image.height, image.width, series.signed)
        image.pixels.close()
        expected[image.pk] = values
        image.pixels.save("pixels.bin", ContentFile(row_delta_blob(values)))
        old_names[image.pk] = image.pixels.name

    with django_capture_on_commit_callbacks(execute=True):
        migration.reencode(apps, None)

    for image in series.images.all():
        blob = image.pixels.read()
        image.pixels.close()
        assert image.pixels.name != old_names[image.pk]
        assert not image.pixels.storage.exists(old_names[image.pk])
        assert np.array_equal(
            pixelstore.decode(blob, image.height, image.width, series.signed), expected[image.pk]
        )


def test_a_database_without_stored_values_is_left_alone(alice, django_capture_on_commit_callbacks):
    case = make_case(alice, images=2)  # pictures only: nothing to re-encode
    images = Image.objects.filter(study__case=case)
    before = list(images.order_by("pk").values())
    files = {field.name: field.storage for image in images for field in (image.full, image.display)}

    with django_capture_on_commit_callbacks(execute=True) as deletions:
        migration.reencode(apps, None)

    assert list(images.order_by("pk").values()) == before
    assert deletions == []
    assert len(files) == 4 and all(storage.exists(name) for name, storage in files.items())
    assert not any(image.pixels for image in images)


def test_the_migration_imports_no_live_code_of_the_project():
    tree = ast.parse(Path(migration.__file__).read_text())
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }

    assert {name.split(".")[0] for name in imported} <= {"zlib", "numpy", "django"}
