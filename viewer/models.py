import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.models import Study

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
        """Remove the stored renditions once the row is gone for good."""
        storage = self.full.storage
        for name in self.stored_names():
            transaction.on_commit(lambda n=name: storage.delete(n))



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


class UploadJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The jobs a user may follow: their own, and those of the cases they edit in the admin
        (Case.is_in_admin_of, as a query)."""
        if not user.is_staff:
            return self.none()
        if user.has_perm("cases.publish_case"):
            return self
        mine = Q(author=user)
        if user.has_perm("cases.change_case"):
            mine |= Q(case__author=user)
        return self.filter(mine)


class UploadJob(models.Model):
    """One upload's way in, run by a background worker (viewer/jobs.py): the files it waits on,
    how far staging got, what went wrong (by file) and what it added. Its images are published
    all at once when every file is staged, or not at all."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        DISCARDED = "discarded"

    class Kind(models.TextChoices):
        ADMIN = "admin", "the admin's Add images"
        IMPORT_STUDY = "import_study", "manage.py import_study"
        IMPORT_CASES = "import_cases", "manage.py import_cases (a bundle)"

    # Names the job's folder in WORK_DIR/jobs/ (viewer/jobs.py): unlike a pk, never used twice.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ADMIN)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="upload_jobs",
        help_text="Empty until an import into a new case publishes something.",
    )
    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, null=True, blank=True, related_name="upload_jobs"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="upload_jobs", help_text="Empty for a bundle's import: its editors' job.",
    )
    # A folder on the server given to import_study (never deleted); empty: the job's own copy of
    # the uploaded files, under WORK_DIR/jobs/<key>/files.
    source = models.CharField(max_length=1000, blank=True)
    # How the files are taken: skip_bad, accept_pictures, known ("case" or "author"), and for an
    # import into a new case its title and de-identification salt (the case is made on publish).
    options = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="Files, counting those in zips.")
    done = models.PositiveIntegerField(default=0, help_text="Files staged so far.")
    step = models.CharField(max_length=200, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="[{file, reason}]")
    added = models.PositiveIntegerField(default=0, help_text="Images published.")
    skipped = models.JSONField(default=list, blank=True, help_text="[{file, reason}]")
    imported = models.JSONField(
        default=list, blank=True, help_text="A bundle's cases: [{case, title, updated}]"
    )
    task_result_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = UploadJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            # The admin's list of a user's jobs, newest first.
            models.Index(fields=["author", "-created"], name="viewer_uploadjob_author_idx"),
        ]

    def __str__(self):
        return f"Upload {self.pk} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("admin:viewer_uploadjob_change", args=[self.pk])

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED, self.State.DISCARDED)

    @property
    def may_retry(self):
        return self.state == self.State.FAILED

    @property
    def may_discard(self):
        return self.state in (self.State.FAILED, self.State.QUEUED)

    def progress(self):
        """What the progress endpoint sends (shape in docs/architecture.md)."""
        return {
            "id": self.pk,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "step": self.step,
            "errors": self.errors,
            "summary": {"added": self.added, "skipped": self.skipped},
            "case": self.case_id,
        }
