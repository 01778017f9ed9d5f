"""Who works on which case in the admin, written once for the case, its studies and its other
parts: contributors their own cases, editors any (Case.is_editable_by); and a contributor's
change to a published case goes back to the editors (docs/review.md)."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html

from cases.admin_history import EditorsHistoryAdmin
from cases.models import Case
from viewer import jobs
from viewer.models import UploadJob
from viewer.uploads import cleanup_unpublished


def submit_upload(model_admin, request, form, study):
    """The form's files to an upload job for the saved study, and a message linking to it (with
    its outcome when the backend ran it at once)."""
    files = form.cleaned_data.get("pictures")
    if not files:
        return
    job = jobs.submit_files(study, request.user, files)
    job.refresh_from_db()
    link = format_html('<a href="{}">upload {}</a>', job.get_absolute_url(), job.pk)
    if job.state == UploadJob.State.DONE:
        added = format_html("{}: {} image(s) added.", link, job.added)
        model_admin.message_user(request, added, messages.SUCCESS)
        for skipped in job.skipped:
            line = f"Not added: {skipped['file']} ({skipped['reason']})."
            model_admin.message_user(request, line, messages.WARNING)
    elif job.state == UploadJob.State.FAILED:
        error = job.errors[0]
        failed = format_html("{} failed, nothing was added: {}: {}", link, error["file"],
                             error["reason"])  # fmt: skip
        model_admin.message_user(request, failed, messages.ERROR)
    else:
        queued = format_html("{} is on its way: its page shows how far it got.", link)
        model_admin.message_user(request, queued, messages.INFO)


class OwnCasesMixin:
    """Contributors see and change their own cases only; editors (publish_case) any case.

    Every admin that edits case content asks the case it belongs to, through case_of().
    """

    def case_of(self, obj):
        raise NotImplementedError

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.case_of(obj).is_editable_by(request.user))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.case_of(obj).is_editable_by(request.user))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.case_of(obj).is_editable_by(request.user))

    def changeform_view(self, request, *args, **kwargs):
        # Uploads staged by a form that then failed (or rolled back) leave no files behind.
        with cleanup_unpublished():
            return super().changeform_view(request, *args, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = form.has_changed() or any(formset.has_changed() for formset in formsets)
        case = self.case_of(form.instance)
        if change and changed and case.changed_by_contributor(request.user):
            self.message_user(request, case.returned_to_review_notice, messages.WARNING)



class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows to look at (jobs, redactions, the review queue): never added, changed or deleted
    through the admin's forms; what acts on them are their own buttons and pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartAdmin(OwnCasesMixin, EditorsHistoryAdmin):
    """A part of a case on its own page, listed nowhere and back to its case on save: a study
    (cases/admin_studies.py), or a differential, accepted answer or reference, reached from its
    case's history (its versions, a revert) and edited otherwise in its case's inlines."""

    readonly_fields = ["case"]  # a part stays with its case, whoever edits or reverts it

    def case_of(self, obj):
        return obj.case

    def get_model_perms(self, request):
        return {}

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        editable = Case.objects.editable_by(request.user)
        return super().get_queryset(request).filter(case__in=editable).select_related("case")

    def response_post_save_change(self, request, obj):
        return HttpResponseRedirect(obj.case.get_admin_url())


