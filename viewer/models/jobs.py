import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from cases.models import Study


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
        PACS = "pacs", "a study received from a PACS or over STOW-RS"

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
