"""A case's editorial review: a contributor submits a draft, an editor publishes it or returns it
to draft with a comment the contributor reads. Case inherits these fields and methods; the admin
(cases/admin_review.py) calls them. Why a contributor's edit of a published case returns it to
review: docs/review.md."""

from django.conf import settings
from django.db import models
from django.utils import timezone

# Fields a change is not recorded for: derived from the others (search vectors, the age on one
# scale, the cover, cases/derived.py), drawn once (the random key, the de-identification salt)
# or touched by every save.
UNTRACKED_FIELDS = [
    "search_standard", "search_academic", "random_key", "deid_salt", "updated", "cover_image",
    "listed_modalities", "listed_tags",
]  # fmt: skip


class ReviewState(models.Model):
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    review_comment = models.TextField(
        "editor's comment",
        blank=True,
        editable=False,
        help_text="Why an editor returned the case to draft: what to change before submitting "
        "it again.",
    )
    returned_at = models.DateTimeField(null=True, blank=True, editable=False)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_submitted(self):
        return self.status == self.Status.SUBMITTED

    def submit(self, user):
        """Put the case in the editors' queue (a draft, or a published case its contributor
        changed, which leaves the site until it is published again). The editor's comment was
        answered by this submission."""
        self.status = self.Status.SUBMITTED
        self.submitted_at, self.submitted_by = timezone.now(), user
        self.review_comment = ""
        self.save()

    def publish(self):
        self.status = self.Status.PUBLISHED
        self.save()

    def return_to_contributor(self, editor, comment):
        """Back to draft, with what the contributor should change."""
        self.status = self.Status.DRAFT
        self.review_comment = comment
        self.returned_at, self.returned_by = timezone.now(), editor
        self.save()

    def may_be_published_by(self, user):
        """Editors publish what was submitted for review, and may skip review for their own
        cases (their edits go live at once anyway); another contributor's draft must be
        submitted first."""
        if not user.has_perm("cases.publish_case"):
            return False
        return self.status != self.Status.DRAFT or self.author_id == user.pk

    def changed_by_contributor(self, user):
        """After user changed this case or one of its parts: a contributor's change to a
        published case goes back to the editors (docs/review.md); an editor's goes live."""
        if self.is_published and not user.has_perm("cases.publish_case"):
            self.submit(user)
            return True
        return False

    @property
    def returned_to_review_notice(self):
        """What a contributor is told once her change took the published case back to review."""
        return (
            f"{self.number} is published: your change awaits an editor's review, and the case "
            "is off the site until an editor publishes it again."
        )
