"""Who may send studies in (a PACS by its calling AE title, a DICOMweb client by its token) and
what each sent: the received-study records the admin shows."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


def validate_ae_title(value):
    if not value.strip() or len(value) > 16 or "\\" in value or not value.isprintable():
        raise ValidationError(
            "An AE title is 1 to 16 printable characters without a backslash.", code="ae_title"
        )


class CallingAEQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True, contributor__is_active=True)

    def titles(self):
        """The AE titles allowed to associate, as the receiver compares them (stripped)."""
        return [title.strip() for title in self.active().values_list("ae_title", flat=True)]


class CallingAE(models.Model):
    """A PACS node or workstation allowed to send studies, and whose drafts they become."""

    ae_title = models.CharField(
        "calling AE title",
        max_length=16,
        unique=True,
        validators=[validate_ae_title],
        help_text="The AE title the PACS or workstation calls from, exactly as configured there "
        "(usually capitals), e.g. WS_CT3.",
    )
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calling_aes",
        limit_choices_to={"is_staff": True},
        help_text="Studies sent from this AE title become draft cases of this contributor.",
    )
    active = models.BooleanField(
        default=True, help_text="Untick to refuse this caller's associations."
    )
    description = models.CharField(max_length=200, blank=True, help_text="e.g. “CT room 3”.")

    objects = CallingAEQuerySet.as_manager()

    class Meta:
        verbose_name = "calling AE title"
        ordering = ["ae_title"]

    def __str__(self):
        return self.ae_title

    def save(self, *args, **kwargs):
        self.ae_title = self.ae_title.strip()
        super().save(*args, **kwargs)


def token_digest(secret):
    """Tokens are long random strings, so a plain SHA-256 stores them safely (no salt needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at=None, contributor__is_active=True)

    def authenticate(self, secret):
        """The active token whose secret this is, or None."""
        if not secret:
            return None
        return self.active().select_related("contributor").filter(
            digest=token_digest(secret)
        ).first()


class ApiToken(models.Model):
    """A contributor's key for DICOMweb STOW-RS. Only a hash is kept: the token itself is shown
    once, when it is created."""

    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        limit_choices_to={"is_staff": True},
        help_text="Studies sent with this token become draft cases of this contributor.",
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “Orthanc in room 2”.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.contributor})"

    def issue(self):
        """A new secret for this (unsaved) token; returns it: it is never readable again."""
        secret = secrets.token_urlsafe(32)
        self.digest = token_digest(secret)
        return secret

    def revoke(self):
        self.revoked_at = self.revoked_at or timezone.now()
        self.save(update_fields=["revoked_at"])

    @property
    def is_active(self):
        return self.revoked_at is None


class ReceivedStudy(models.Model):
    """One study as one caller sent it (an association, a STOW-RS request): what arrived, what
    was added, what was refused and why, and the draft case it became or joined."""

    class Source(models.TextChoices):
        DIMSE = "dimse", "DICOM (C-STORE)"
        STOW = "stow", "DICOMweb (STOW-RS)"

    source = models.CharField(max_length=8, choices=Source)
    caller = models.CharField(
        max_length=100, help_text="The calling AE title, or the name of the API token."
    )
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="received_studies"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A keyed hash (HMAC) of the original StudyInstanceUID: later sends of the same study join
    # the same draft, and the UID itself is never stored.
    study_key = models.CharField(max_length=64, editable=False)
    received_at = models.DateTimeField(default=timezone.now)
    instances_received = models.PositiveIntegerField(default=0)
    images_added = models.PositiveIntegerField(
        default=0, help_text="Filled in by the upload job when it publishes."
    )
    refusals = models.JSONField(
        default=list, blank=True,
        help_text="[file, reason] pairs: refused on arrival, then by the upload job.",
    )  # fmt: skip
    job = models.ForeignKey(
        "viewer.UploadJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The background upload adding what was received; empty if all was refused "
        "on arrival.",
    )  # fmt: skip

    class Meta:
        verbose_name_plural = "received studies"
        ordering = ["-received_at", "-id"]
        indexes = [
            # intake.draft_for(): the contributor's latest record of a study.
            models.Index(fields=["contributor", "study_key", "-id"], name="received_study_key"),
        ]

    def __str__(self):
        return f"{self.caller}, {self.received_at:%Y-%m-%d %H:%M}"

    @property
    def refused(self):
        return len(self.refusals)
