import uuid

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.urls import reverse

from cases.models import Study


def _image_path(instance, filename):
    # Random names: a file name must never carry a title, diagnosis or patient name.
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"images/{instance.key.hex[:2]}/{instance.key.hex}/{filename.split('.')[0]}.{ext}"


class Series(models.Model):
    """Images acquired together (a DICOM series, or the pictures uploaded to a study)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="series")
    description = models.CharField(
        max_length=200,
        blank=True,
        help_text="e.g. “Axial T2”. Shown in both workflows: describe the sequence, not the answer.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.description or f"Series {self.position + 1}"


class ImageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(study__case__status="published")


class Image(models.Model):
    """One picture of a series, kept as three re-encoded renditions (never the uploaded bytes)."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="images")
    # Denormalised from series so that a study's images list, and the admin edits them, in one
    # query; save() keeps it equal to series.study.
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="images", editable=False)
    position = models.PositiveIntegerField(default=0)
    caption = models.CharField(
        max_length=300, blank=True, help_text="Hidden in the academic workflow."
    )
    full = models.ImageField(upload_to=_image_path)
    display = models.ImageField(upload_to=_image_path)
    thumbnail = models.ImageField(upload_to=_image_path)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
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

    def delete_files(self):
        """Remove the stored renditions once the row is gone for good."""
        for field in (self.full, self.display, self.thumbnail):
            if field.name:
                storage, name = field.storage, field.name
                transaction.on_commit(lambda s=storage, n=name: s.delete(n))


def store_renditions(series, renditions, caption="", position=0):
    """Create an Image from rendered pixels; the files go through the storage API."""
    image = Image(
        series=series,
        caption=caption,
        position=position,
        width=renditions.width,
        height=renditions.height,
    )
    image.full.save(f"full.{renditions.full_ext}", ContentFile(renditions.full), save=False)
    image.display.save(
        f"display.{renditions.display_ext}", ContentFile(renditions.display), save=False
    )
    image.thumbnail.save("thumb.jpg", ContentFile(renditions.thumbnail), save=False)
    image.save()
    return image


def add_pictures(study, rendered):
    """Append rendered pictures to the study's picture series (made on first use)."""
    series = study.series.order_by("position", "id").first() or Series.objects.create(
        study=study, description="", position=0
    )
    last = series.images.aggregate(models.Max("position"))["position__max"]
    start = 0 if last is None else last + 1
    return [
        store_renditions(series, renditions, position=start + offset)
        for offset, renditions in enumerate(rendered)
    ]
