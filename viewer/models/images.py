import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, Max, Q, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cases.models import Study
from cases.synthetic.pictures import PICTURE_FOLDER as SHARED_PICTURE_FOLDER

# Modalities whose pixels often carry burned-in text (screens, scanned documents, ultrasound).
BURNED_IN_PRONE = {"US", "SC", "OT", "XC", "ES", "DOC"}


def _image_path(instance, filename):
    # Random names: a file name must never carry a title, diagnosis or patient name.
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"images/{instance.key.hex[:2]}/{instance.key.hex}/{filename.split('.')[0]}.{ext}"


def _dicom_path(instance, filename):
    return f"dicom/{instance.key.hex[:2]}/{instance.key.hex}.dcm"


def cleared(series="series__"):
    """The condition on a series (reached through `series`) that readers may see its pixels: not
    flagged for burned-in text, or flagged and confirmed clean. Any other series is awaiting
    confirmation, and only the admin shows it, whatever its case's state: a series flagged after
    its case was published must not reach a reader either."""
    flag, confirmed = f"{series}burned_in", f"{series}burned_in_confirmed_at__isnull"
    return Q(**{flag: False}) | Q(**{confirmed: False})


class SeriesQuerySet(models.QuerySet):
    def awaiting_confirmation(self, case):
        """Series flagged for burned-in text whose pixels no one has confirmed clean yet."""
        return self.filter(study__case=case, burned_in=True, burned_in_confirmed_at=None)

    def cleared(self):
        """Series whose pixels may be shown outside the admin."""
        return self.filter(cleared(series=""))


class Series(models.Model):
    """Images acquired together (a DICOM series, or the pictures uploaded to a study)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="series")
    description = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "e.g. “Axial T2”. Shown in both workflows: describe the sequence, not the answer."
        ),
    )
    position = models.PositiveSmallIntegerField(default=0)
    # DICOM series only; uid is the de-identified SeriesInstanceUID.
    uid = models.CharField("series UID", max_length=64, blank=True, editable=False)
    modality = models.CharField(max_length=16, blank=True, editable=False)
    rows = models.PositiveIntegerField(null=True, editable=False)
    columns = models.PositiveIntegerField(null=True, editable=False)
    photometric = models.CharField(max_length=16, blank=True, editable=False)
    signed = models.BooleanField(
        default=False, editable=False, help_text="Stored values are signed."
    )
    pixel_spacing = models.JSONField(null=True, editable=False, help_text="[row, column] in mm.")
    slice_thickness = models.FloatField(null=True, editable=False)
    windows = models.JSONField(default=list, editable=False, help_text="[[center, width], ...]")
    burned_in = models.BooleanField(
        "may show burned-in text",
        default=False,
        editable=False,
        help_text="Set at upload from BurnedInAnnotation or a modality prone to it.",
    )
    burned_in_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    burned_in_confirmed_at = models.DateTimeField(null=True, editable=False)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "series"
        indexes = [
            # Uploads add slices to the series with the same de-identified UID.
            models.Index(fields=["study", "uid"], name="series_study_uid"),
        ]

    def __str__(self):
        return self.label()

    def label(self):
        return self.description or f"Series {self.position + 1}"

    def newest_image_id(self):
        """The id of its newest image: ids only grow, so an upload into it changes this."""
        return self.images.aggregate(newest=Max("id"))["newest"] or 0

    def is_confirmable_by(self, user):
        """Whether the user may confirm this series clean of burned-in text, as the study's admin
        page lets them (staff who may edit its case, with the right to change series), and so
        remove that text from its pixels (viewer.redacting)."""
        return self.study.case.is_in_admin_of(user) and user.has_perm("viewer.change_series")

    def confirm_no_burned_in_text(self, user):
        self.burned_in_confirmed_by = user
        self.burned_in_confirmed_at = timezone.now()
        self.save(update_fields=["burned_in_confirmed_by", "burned_in_confirmed_at"])


class Instance(models.Model):
    """One stored DICOM file, de-identified before it was written."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="instances")
    file = models.FileField(upload_to=_dicom_path)
    sop_uid = models.CharField("SOP instance UID", max_length=64)
    sop_class = models.CharField("SOP class UID", max_length=64)
    transfer_syntax = models.CharField(max_length=64)
    frames = models.PositiveIntegerField(default=1)
    # Keyed hash of the original SOPInstanceUID, so a re-import is recognised without keeping it.
    fingerprint = models.CharField(max_length=64, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Instance {self.pk}"


class ImageQuerySet(models.QuerySet):
    def referring_to(self, name):
        """Images with this stored name among their files (an unindexed scan: for shared
        names alone, see Image.delete_files)."""
        return self.filter(Q(full=name) | Q(display=name) | Q(thumbnail=name) | Q(pixels=name))

    def published(self):
        return self.filter(study__case__status="published")

    def cleared(self):
        """Images of series whose pixels may be shown outside the admin."""
        return self.filter(cleared())

    def for_readers(self):
        """The images every page, file, manifest, download and handout may show: of a published
        case, in a cleared series. Only staff who may edit the case see the others, in the admin
        (and the image files it links to)."""
        return self.published().cleared()

    def representatives(self):
        """The middle image of each series (its thumbnail in the admin), in one query."""
        return self._middle_of("series_id")

    def review_frames(self):
        """The middle frame of each distinct layout of each series: what an editor must look at
        before confirming a flagged series clean. Frames of one size and photometric
        interpretation share a screen's layout, so its burned-in text sits alike on all of them:
        a 300-frame cine of one size is one frame to read, a series mixing a cine with a
        secondary-capture report is two."""
        photometric = KeyTextTransform("photometric", "meta")
        return self._middle_of("series_id", "width", "height", photometric)

    def _middle_of(self, *groups):
        """One image per group, the middle one in the series' order, chosen by the database with
        window functions (one query however many series and frames)."""
        order = [F("position").asc(), F("id").asc()]
        return self.annotate(
            rank_in_group=Window(RowNumber(), partition_by=list(groups), order_by=order),
            group_size=Window(Count("id"), partition_by=list(groups)),
        ).filter(rank_in_group=(F("group_size") + 1) / 2)


class Image(models.Model):
    """One picture of a series (a JPEG/PNG, or one frame of a DICOM instance), kept as
    re-encoded renditions (never the uploaded bytes) and, for grey DICOM, its stored values."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="images")
    # Denormalised from series so that a study's images list, and the admin edits them, in one
    # query; save() keeps it equal to series.study.
    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="images", editable=False
    )
    position = models.PositiveIntegerField(default=0)
    caption = models.CharField(
        max_length=300, blank=True, help_text="Hidden in the academic workflow."
    )
    full = models.ImageField(upload_to=_image_path)
    display = models.ImageField(upload_to=_image_path)
    thumbnail = models.ImageField(upload_to=_image_path)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    instance = models.ForeignKey(
        Instance, on_delete=models.CASCADE, null=True, editable=False, related_name="images"
    )
    frame = models.PositiveIntegerField(default=0, editable=False)
    # Stored grey values (dicom.pixelstore), for windowing on real pixel values.
    pixels = models.FileField(upload_to=_image_path, blank=True, editable=False)
    # Per-frame values: rescale [slope, intercept], windows, position, orientation, spacing.
    meta = models.JSONField(default=dict, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"Image {self.pk}"

    def save(self, *args, **kwargs):
        self.study_id = self.series.study_id
        super().save(*args, **kwargs)

    def file_url(self, kind):
        return reverse("viewer:image_file", args=[self.pk, kind])

    def thumbnail_url(self):
        return self.file_url("thumbnail")

    def stored_names(self):
        return [f.name for f in (self.full, self.display, self.thumbnail, self.pixels) if f.name]

    def delete_files(self):
        """Remove the stored renditions once the row is gone for good, but not a shared one
        another image still shows."""
        storage = self.full.storage
        for name in self.stored_names():
            transaction.on_commit(lambda n=name: _delete_unless_shared(storage, n))


def _delete_unless_shared(storage, name):
    # generate_cases' images share a few pictures (cases/synthetic/pictures.py): deleting one
    # synthetic case must leave the others theirs. Uploaded files have names of their own, so
    # they are deleted without the look-up.
    if name.startswith(f"{SHARED_PICTURE_FOLDER}/") and Image.objects.referring_to(name).exists():
        return
    storage.delete(name)


class PixelReviewQuerySet(models.QuerySet):
    def record(self, reviewer, image):
        """Remember that this image was served to the reviewer, as its series stands now."""
        self.update_or_create(
            reviewer=reviewer,
            image=image,
            defaults={"newest_image_id": image.series.newest_image_id()},
        )

    def covers(self, reviewer, series):
        """Whether every review frame of the series, as it stands now, was served to this
        reviewer since its last upload."""
        frames = Image.objects.filter(series=series).review_frames()
        frames = set(frames.values_list("pk", flat=True))
        seen = self.filter(
            reviewer=reviewer, image__in=frames, newest_image_id__gte=series.newest_image_id()
        )
        return frames == set(seen.values_list("image_id", flat=True))


class PixelReview(models.Model):
    """That a review frame of a series (Image.objects.review_frames()) was served to an editor
    by viewer:review_frame, which checks that they work on its case. Written by the server as
    it sends the pixels, so no form post can make one up; a flagged series may be confirmed
    clean only by an editor holding one for each of its review frames, newer than its last
    upload."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="+")
    # The newest image of the series when this frame was served: a later upload (a higher id)
    # brings pixels no one has looked at, and the review no longer counts.
    newest_image_id = models.PositiveBigIntegerField()
    served = models.DateTimeField(auto_now=True)

    objects = PixelReviewQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "image"], name="pixel_review_once"),
        ]

    def __str__(self):
        return f"Image {self.image_id} shown to {self.reviewer_id}"


class Annotation(models.Model):
    """A mark a contributor drew on an image (an arrow on the lucent band), kept in the image's
    own pixels so it follows zoom, pan and print size. Its label may name the finding: it is part
    of the answer (cases.workflows.HIDDEN_IN_ACADEMIC), never sent to an academic reader before
    they commit or reveal."""

    class Kind(models.TextChoices):
        ARROW = "arrow"
        LINE = "line"
        ELLIPSE = "ellipse"
        TEXT = "text"
        LENGTH = "length"

    # Points each kind is drawn from: an arrow from its tail to its head, a line or length from
    # end to end, an ellipse by two corners of its bounding box, a text label at one point.
    POINTS = {"arrow": 2, "line": 2, "ellipse": 2, "text": 1, "length": 2}

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="annotations")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    points = models.JSONField(help_text="[[x, y], ...] in the image's pixels.")
    label = models.CharField(max_length=80, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Every change, for editors with the case's other parts (docs/review.md); `updated` changes
    # with every save and says nothing the version's own date does not.
    revisions = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        ordering = ["created", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on image {self.image_id}"

    def as_json(self, editable=False):
        """What the viewer draws it from; `editable`, for who may edit the case, adds where to
        post its deletion."""
        data = {"id": self.pk, "kind": self.kind, "points": self.points, "label": self.label}
        if editable:
            data["delete_url"] = reverse("viewer:delete_annotation", args=[self.pk])
        return data


class Redaction(models.Model):
    """Rectangles of burned-in text set to black in a DICOM series' pixels (viewer.redacting):
    in every frame, or in the frame at one position of the series. Each stored file, rendition
    and stored value of those frames was made again from the redacted pixels."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="redactions")
    position = models.PositiveIntegerField(
        null=True, blank=True, help_text="The redacted image's position; empty for every frame."
    )
    rectangles = models.JSONField(help_text="[[x, y, width, height], ...] in the frame's pixels.")
    images = models.PositiveIntegerField(default=0, help_text="Images made again.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        where = "every frame" if self.position is None else f"image {self.position + 1}"
        return f"{len(self.rectangles)} rectangle(s) in {where} of {self.series}"
