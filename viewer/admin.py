"""Upload jobs in the admin: a list of them, each job's page (which follows itself while the job
runs, static/viewer/upload_job.js), its progress as JSON, and the Retry and Discard buttons.
Whoever may see a job may act on it: its owner and the staff who edit its case
(UploadJob.objects.visible_to)."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases.admin_access import ReadOnlyAdmin
from viewer import jobs
from viewer.models import UploadJob


def _get_job_for_user(request, pk):
    """A job the user may follow and act on, its lost worker noticed; else 404."""
    job = get_object_or_404(UploadJob.objects.visible_to(request.user), pk=pk)
    return jobs.notice_lost_worker(job)


@admin.register(UploadJob)
class UploadJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "state_now", "files", "step", "first_error", "case_link", "author",
                    "created"]  # fmt: skip
    list_filter = ["state"]
    list_select_related = ["case", "author"]
    fields = ["state", "kind", "case_link", "study", "author", "files", "step", "error_list",
              "added", "skipped_list", "created", "started_at", "finished_at",
              "task_result_id"]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    # Staff see the jobs visible_to them; nobody adds, edits or deletes one by hand.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/progress.json", view(self.progress), name="viewer_uploadjob_progress"),
            path("<int:pk>/retry/", view(self.retry), name="viewer_uploadjob_retry"),
            path("<int:pk>/discard/", view(self.discard), name="viewer_uploadjob_discard"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if object_id.isdigit():
            extra_context = {**(extra_context or {}),
                             "job": _get_job_for_user(request, int(object_id))}  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

    # --- the job's own views -------------------------------------------------------------------

    def progress(self, request, pk):
        return _progress(request, pk)

    def retry(self, request, pk):
        return _act(request, pk, jobs.retry, "is queued again",
                    "cannot be retried: it is not failed")  # fmt: skip

    def discard(self, request, pk):
        return _act(request, pk, jobs.discard, "is discarded, its files deleted",
                    "cannot be discarded: it runs or ran")  # fmt: skip

    # --- columns and fields --------------------------------------------------------------------

    @admin.display(description="State", ordering="state")
    def state_now(self, job):
        return jobs.notice_lost_worker(job).get_state_display()

    @admin.display(description="Files")
    def files(self, job):
        return f"{job.done} of {job.total}"

    @admin.display(description="Error")
    def first_error(self, job):
        return "; ".join(_error_line(error) for error in job.errors[:1])

    @admin.display(description="Errors")
    def error_list(self, job):
        return _lines(job.errors)

    @admin.display(description="Not added")
    def skipped_list(self, job):
        return _lines(job.skipped)

    @admin.display(description="Case")
    def case_link(self, job):
        if job.case is None:
            return "(a new case, made when something is imported)"
        return format_html('<a href="{}">{}</a>', job.case.get_admin_url(), job.case)


@never_cache
@require_GET
def _progress(request, pk):
    """The job's progress (docs/architecture.md has its shape), for the page that follows it."""
    return JsonResponse(_get_job_for_user(request, pk).progress())


@require_POST
def _act(request, pk, action, done, refused):
    job = _get_job_for_user(request, pk)
    if action(job):
        messages.success(request, f"Upload {job.pk} {done}.")
    else:
        messages.error(request, f"Upload {job.pk} {refused}.")
    return HttpResponseRedirect(job.get_absolute_url())


def _error_line(error):
    return f"{error['file']}: {error['reason']}" if error["file"] else error["reason"]


def _lines(errors):
    if not errors:
        return "none"
    items = format_html_join("", "<li>{}</li>", ((_error_line(error),) for error in errors))
    return format_html("<ul>{}</ul>", items)
