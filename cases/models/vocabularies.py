"""The controlled vocabularies cases are filed under, which editors keep in the admin."""

from django.db import models


class Vocabulary(models.Model):
    """A controlled term editors maintain in the admin (seeded by a data migration)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in browse URLs.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in menus.")

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Anatomy(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name_plural = "anatomy"


class DiagnosticCategory(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name_plural = "diagnostic categories"


class Modality(models.Model):
    code = models.CharField(
        max_length=16, unique=True, help_text="DICOM modality code (0008,0060), e.g. CR, CT, MR."
    )
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "modalities"

    def __str__(self):
        return f"{self.code} – {self.name}"
