"""The history of every change to a case and its parts (django-simple-history), for editors only:
who changed what and when, and a revert that goes through the admin's ordinary save, so that the
signals refresh what is derived (cases/signals.py, cases/derived.py).

A case's history page lists its own versions and, below, those of its studies, differentials,
accepted answers, references and annotations; each part's version opens that part's revert page."""

from itertools import groupby

from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from cases.models import AcceptedAnswer, Differential, Reference, Study
from viewer.models import Annotation

# Each recorded part, and the path from its version to its case's id.
PARTS = {
    Study: "case_id", Differential: "case_id", AcceptedAnswer: "case_id", Reference: "case_id",
    Annotation: "image__study__case_id",  # while its image is in the case
}  # fmt: skip
RECENT_PART_CHANGES = 300  # per kind of part: a case's page stays bounded however long its life


def may_see_history(user):
    return user.has_perm("cases.publish_case")


class EditorsHistoryAdmin(SimpleHistoryAdmin):
    """History and reverts for editors; contributors edit their cases without seeing them."""

    def has_view_history_permission(self, request, obj=None):
        return may_see_history(request.user) and super().has_view_history_permission(request, obj)

    def has_change_history_permission(self, request, obj=None):
        allowed = super().has_change_history_permission(request, obj)
        return may_see_history(request.user) and allowed

    def has_view_history_or_change_history_permission(self, request, obj=None):
        return self.has_view_history_permission(request, obj)


def part_changes(case_id):
    """Every recorded version of the case's parts, newest first, each with what changed since
    the version before it: one query per kind of part."""
    rows = []
    for model, to_case in PARTS.items():
        versions = (
            model.revisions.filter(**{to_case: case_id})
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:RECENT_PART_CHANGES]
        )
        rows += _with_changes(model, list(versions))
    return sorted(rows, key=lambda row: row["record"].history_date, reverse=True)


def _with_changes(model, versions):
    """versions newest first; each compared with the previous version of the same row."""
    rows = []
    by_row = sorted(versions, key=lambda version: version.id)
    for _, same_row in groupby(by_row, key=lambda version: version.id):
        older = None
        for version in sorted(same_row, key=lambda v: (v.history_date, v.history_id)):
            rows.append(_row(model, version, older))
            older = version
    return rows


def _row(model, version, older):
    changes = []
    if older is not None:
        delta = version.diff_against(older, foreign_keys_are_objs=False)
        changes = [(change.field, change.old, change.new) for change in delta.changes]
    opts = model._meta
    return {
        "kind": opts.verbose_name,
        "record": version,
        "changes": changes,
        "url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_simple_history",
            args=[version.id, version.history_id],
        ),
    }
