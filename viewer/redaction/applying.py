"""Apply a redaction: every stored form of the redacted frames made again from their new pixels.

Each DICOM file concerned is read from storage, redacted (dicom.redaction), and written under a
new random name with its frames' renditions and stored values, by the functions an upload uses
(viewer.ingest.write_dicom and stage_frame), so a redacted frame is stored exactly as an upload
of the redacted file would be. Then, in one transaction, the rows move to the new files: each
Instance points to its new file; each redacted Image is replaced by a new row (its files' URLs are
cached by browsers as unchanging, viewer.views), which keeps its caption, position, annotations
and place as the case's cover. The old files are deleted once that commits; files written for a
redaction that fails are deleted at once (viewer.staging.cleanup_unpublished).
"""

from dataclasses import dataclass
from itertools import groupby

from django.core.files.storage import default_storage
from django.db import transaction

from cases import derived
from cases.models import Case
from dicom import reading, redaction
from viewer.ingest import IngestLimits, stage_frame, write_dicom
from viewer.models import Annotation, Image, Instance, Redaction
from viewer.staging import Staging, cleanup_unpublished, register


@dataclass
class Redone:
    """One DICOM file redacted and written again, with the frames made from it."""

    instance: Instance
    file_name: str
    dataset: object
    images: dict  # old Image -> StagedImage


def redact_series(series, rectangles, author, image=None):
    """Set `rectangles` (dicom.redaction.Rectangle) black in every frame of the series, or in
    `image` alone, in every form stored; the Redaction recorded. DicomError if a stored file
    cannot be read back, and then nothing has changed."""
    images = list(_targets(series, image))
    with cleanup_unpublished():
        staging = register(Staging())
        frame = None if image is None else image.frame
        redone = [
            _redo(staging, instance, list(group), rectangles, frame)
            for instance, group in groupby(images, key=lambda one: one.instance)
        ]
        with transaction.atomic():
            return _swap(series, redone, rectangles, author, image)


def _targets(series, image):
    """The images concerned, grouped by their file (in one query)."""
    images = series.images.exclude(instance=None) if image is None else [image]
    if image is None:
        images = images.select_related("instance").order_by("instance_id", "frame")
    return images


def _redo(staging, instance, images, rectangles, frame):
    limits = IngestLimits.from_settings().read
    with instance.file.open("rb") as stored:
        ds = reading.read_dataset(stored.read(), limits)
    reading.check_image(ds, limits)
    redaction.redact_dataset(ds, rectangles, frame)
    file_name = write_dicom(staging, ds)
    staged = {old: stage_frame(staging, ds, old.frame) for old in images}
    return Redone(instance, file_name, ds, staged)


def _swap(series, redone, rectangles, author, image):
    replaced = {}
    for one in redone:
        _move_instance(one)
        replaced.update(_replace_images(series, one))
    _follow(series, replaced)
    Image.objects.filter(pk__in=replaced).delete()  # their files go after the commit (signals)
    if image is None and redone:
        series.photometric = str(redone[0].dataset.PhotometricInterpretation)
        series.save(update_fields=["photometric"])
    record = Redaction.objects.create(
        series=series,
        position=None if image is None else image.position,
        rectangles=[[r.x, r.y, r.width, r.height] for r in rectangles],
        images=len(replaced),
        author=author,
    )
    derived.refresh(series.study.case, cover=True)
    return record


def _move_instance(one):
    ds, old_name = one.dataset, one.instance.file.name
    Instance.objects.filter(pk=one.instance.pk).update(
        file=one.file_name,
        sop_uid=str(ds.SOPInstanceUID),
        transfer_syntax=str(ds.file_meta.TransferSyntaxUID),
    )
    transaction.on_commit(lambda: default_storage.delete(old_name))


def _replace_images(series, one):
    """{old image pk: new image pk} for the frames of one redone file."""
    new = {
        old.pk: Image(
            series=series,
            study_id=series.study_id,
            position=old.position,
            caption=old.caption,
            full=staged.names["full"],
            display=staged.names["display"],
            thumbnail=staged.names["thumbnail"],
            pixels=staged.names.get("pixels", ""),
            width=staged.width,
            height=staged.height,
            instance_id=one.instance.pk,
            frame=old.frame,
            meta=staged.meta,
        )
        for old, staged in one.images.items()
    }
    Image.objects.bulk_create(new.values())
    return {old: image.pk for old, image in new.items()}


def _follow(series, replaced):
    """Annotations and the case's cover follow their image to its new row."""
    moved = list(Annotation.objects.filter(image__in=list(replaced)))
    for annotation in moved:
        annotation.image_id = replaced[annotation.image_id]
    Annotation.objects.bulk_update(moved, ["image"], batch_size=500)
    case = Case.objects.filter(pk=series.study.case_id)
    cover = case.values_list("cover_image", flat=True).first()
    if cover in replaced:
        case.update(cover_image=replaced[cover])
