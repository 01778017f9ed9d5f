"""Staged uploads to rows: Series, Instance and Image, created inside the caller's transaction."""

from django.db.models import Max

from cases import derived
from cases.models import Modality, Study
from viewer.models import Image, Instance, Series


def publish(staging, case, study=None):
    """Create the rows for a staged upload, inside the caller's transaction.

    Pictures go to `study`; DICOM series go to `study` when given, else to the case's study with
    the same StudyInstanceUID (made when new). Returns the number of images added.
    """
    if staging.pictures:
        _publish_pictures(staging.pictures, study)
    for staged in staging.series.values():
        target = study or _study_for(case, staged)
        _publish_series(target, staged)
    derived.refresh(case, cover=True)
    return staging.image_count


def _publish_pictures(pictures, study):
    series = study.series.filter(uid="").order_by("position", "id").first()
    if series is None:
        series = Series.objects.create(study=study, position=_next_position(study.series))
    start = _next_position(series.images)
    Image.objects.bulk_create(
        [
            _image_row(series, staged, position=start + n, instance=None)
            for n, staged in enumerate(pictures)
        ]
    )


def _study_for(case, staged):
    existing = Study.objects.filter(case=case, uid=staged.study_uid).first()
    if existing:
        return existing
    modality, _ = Modality.objects.get_or_create(
        code=staged.modality, defaults={"name": staged.modality, "position": 100}
    )
    return Study.objects.create(
        case=case,
        uid=staged.study_uid,
        modality=modality,
        position=_next_position(case.studies),
    )


def _publish_series(study, staged):
    series = study.series.filter(uid=staged.uid).first()
    new = series is None
    if new:
        series = Series.objects.create(
            study=study,
            uid=staged.uid,
            position=_next_position(study.series),
            modality=staged.modality,
            rows=staged.rows,
            columns=staged.columns,
            photometric=staged.photometric,
            signed=staged.signed,
            pixel_spacing=staged.pixel_spacing,
            slice_thickness=staged.slice_thickness,
            windows=staged.windows,
        )
    if staged.burned_in or series.burned_in:
        # New pixels in a flagged series: no one has looked at them yet, whatever was confirmed.
        series.burned_in = True
        series.burned_in_confirmed_at = series.burned_in_confirmed_by = None
        series.save(update_fields=["burned_in", "burned_in_confirmed_at", "burned_in_confirmed_by"])
    instances = Instance.objects.bulk_create(
        [
            Instance(
                series=series,
                file=one.file_name,
                sop_uid=one.sop_uid,
                sop_class=one.sop_class,
                transfer_syntax=one.transfer_syntax,
                frames=len(one.images),
                fingerprint=one.fingerprint,
            )
            for one in staged.instances
        ]
    )
    images = [
        _image_row(series, image, 0, instance)
        for instance, staged_instance in zip(instances, staged.instances, strict=True)
        for image in staged_instance.images
    ]
    if new:  # numbered before they are written: no second pass over a 1,000-slice series' rows
        _number_along_slices(images)
    Image.objects.bulk_create(images, batch_size=500)
    if not new:  # among the series' earlier images
        order_series(series)


def _image_row(series, staged, position, instance):
    return Image(
        series=series,
        study_id=series.study_id,
        position=position,
        full=staged.names["full"],
        display=staged.names["display"],
        thumbnail=staged.names["thumbnail"],
        pixels=staged.names.get("pixels", ""),
        width=staged.width,
        height=staged.height,
        instance=instance,
        frame=staged.frame,
        meta=staged.meta,
    )


def order_series(series):
    """Number a DICOM series' images along the slice normal (else by InstanceNumber)."""
    images = list(series.images.only("id", "meta", "position"))
    _number_along_slices(images)
    Image.objects.bulk_update(images, ["position"], batch_size=500)


def _number_along_slices(images):
    """Positions in slice order; images of one place keep the order they are given in."""
    ordered = sorted(images, key=lambda image: tuple(image.meta.get("sort") or (0, 0, 0)))
    for position, image in enumerate(ordered):
        image.position = position


def _next_position(related):
    last = related.aggregate(Max("position"))["position__max"]
    return 0 if last is None else last + 1
