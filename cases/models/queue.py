"""The editors' queue of cases awaiting review, as its own entry on the admin index."""

from cases.models.case import Case


class CaseAwaitingReview(Case):
    """The same rows as Case: the admin lists those submitted, the longest waiting first
    (cases/admin_review.py)."""

    class Meta:
        proxy = True
        verbose_name = "case awaiting review"
        verbose_name_plural = "cases awaiting review"
