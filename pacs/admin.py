"""Who may send studies in, and what they sent: calling AE titles and API tokens (created and
revoked here; a token is shown once), and the received-study records with their refusals and
their upload jobs' state."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from pacs.models import ApiToken, CallingAE, ReceivedStudy


@admin.register(CallingAE)
class CallingAEAdmin(admin.ModelAdmin):
    list_display = ["ae_title", "contributor", "active", "description"]
    list_filter = ["active"]
    list_select_related = ["contributor"]
    search_fields = ["ae_title", "description"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "contributor", "created_at", "revoked_at"]
    list_select_related = ["contributor"]
    readonly_fields = ["created_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["contributor", "name"] + ([] if obj is None else self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["contributor"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        secret = obj.issue()
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            format_html(
                "The token for {}: <code>{}</code> Copy it now: it is not kept and will not be "
                "shown again.", obj.name, secret,
            ),
            messages.SUCCESS,
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token.revoke()
        self.message_user(request, f"{queryset.count()} token(s) revoked.", messages.SUCCESS)


@admin.register(ReceivedStudy)
class ReceivedStudyAdmin(admin.ModelAdmin):
    list_display = [
        "received_at", "caller", "source", "contributor", "instances_received", "images_added",
        "refused", "case", "upload",
    ]  # fmt: skip
    list_filter = ["source"]
    list_select_related = ["contributor", "case", "job"]
    fields = [
        "received_at", "source", "caller", "contributor", "instances_received", "images_added",
        "case", "upload", "refusal_list",
    ]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        """Contributors see what was sent to them; administrators see everything."""
        records = super().get_queryset(request)
        if request.user.is_superuser:
            return records
        return records.filter(contributor=request.user)

    def has_add_permission(self, request):
        return False  # made by what receives studies, never by hand

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="upload job")
    def upload(self, obj):
        """The job's state, linked to its page (progress, errors by file, retry or discard)."""
        if obj.job is None:
            return "None"
        return format_html('<a href="{}">{}</a>', obj.job.get_absolute_url(),
                           obj.job.get_state_display())  # fmt: skip

    @admin.display(description="refused")
    def refusal_list(self, obj):
        if not obj.refusals:
            return "None"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{}: {}</li>", ((name, reason) for name, reason in obj.refusals)
        ))
