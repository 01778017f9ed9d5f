"""The admin of cases: contributors write their own, editors any and review them
(cases/admin_review.py). Who may touch which case is cases/admin_access.py, the history of
changes cases/admin_history.py, a study's own page cases/admin_studies.py."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.urls import path
from django.utils import timezone

from cases import admin_review
from cases.admin_access import OwnCasesMixin, PartAdmin, submit_upload
from cases.admin_history import EditorsHistoryAdmin, may_see_history, part_changes
from cases.admin_studies import StudyAdmin
from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Modality, Reference, Study
from cases.models.parts import AcceptedAnswer
from viewer.forms import UploadsImagesForm
from viewer.models import Image
from viewer.widgets import ImagePicker, image_label


class StudyInlineForm(UploadsImagesForm):
    class Meta:
        model = Study
        fields = ["modality", "description", "findings", "position", "pictures"]


class StudyInline(admin.StackedInline):
    model = Study
    form = StudyInlineForm
    extra = 0
    min_num = 0
    show_change_link = True  # the study page edits captions and image order
    fields = ["modality", "description", "findings", "position", "pictures", "image_count"]
    readonly_fields = ["image_count"]

    @admin.display(description="Images")
    def image_count(self, study):
        return study.images.count() if study.pk else 0


class DifferentialInline(admin.TabularInline):
    model = Differential
    extra = 0
    fields = ["diagnosis", "position"]


class AcceptedAnswerInline(admin.TabularInline):
    model = AcceptedAnswer
    extra = 0
    fields = ["answer", "position"]
    verbose_name = "accepted answer (synonym, abbreviation)"


class ReferenceInline(admin.StackedInline):
    model = Reference
    extra = 0
    fields = ["citation", ("pmid", "doi"), "url", "position"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class CaseAdminForm(forms.ModelForm):
    user = None  # who fills the form (CaseAdmin.get_form)

    class Meta:
        model = Case
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "cover_image" in self.fields:
            self.pick_cover_by_sight(self.fields["cover_image"])

    def pick_cover_by_sight(self, field):
        """The case's images readers may see once it is published, never one awaiting
        confirmation of its pixels (cards show the cover), each with its thumbnail: one query
        however many."""
        field.widget = ImagePicker()  # before the queryset, which gives the widget its choices
        field.empty_label = "None (the first image)"
        field.label_from_instance = image_label
        case_images = Image.objects.filter(study__case=self.instance.pk or 0).cleared()
        field.queryset = case_images.select_related("series").order_by(
            "study__position", "study_id", "series__position", "series_id", "position", "id"
        )

    def clean(self):
        cleaned = super().clean()
        if self._publishes_another_contributors_draft(cleaned):
            error = "Another contributor's draft is published once they submit it for review."
            self.add_error("status", ValidationError(error, code="not_submitted"))
        return cleaned

    def _publishes_another_contributors_draft(self, cleaned):
        """Only editors see the status field; their own drafts may skip review (docs/review.md)."""
        if self.user is None or self.instance.status != Case.Status.DRAFT:
            return False
        author = cleaned.get("author") or self.user  # a new case is its writer's
        return cleaned.get("status") == Case.Status.PUBLISHED and author != self.user


@admin.register(Case)
class CaseAdmin(OwnCasesMixin, EditorsHistoryAdmin):
    form = CaseAdminForm
    change_form_template = "admin/cases/case/change_form.html"
    object_history_template = "admin/cases/case/object_history.html"
    inlines = [StudyInline, DifferentialInline, AcceptedAnswerInline, ReferenceInline]
    list_display = ["id", "title", "author", "anatomy", "category", "status", "review", "updated"]
    list_display_links = ["id", "title"]
    list_filter = ["status", "anatomy", "category", "difficulty"]
    search_fields = ["title", "unknown_title", "diagnosis", "history"]
    list_select_related = ["author", "anatomy", "category", "submitted_by", "returned_by"]
    date_hierarchy = "created"
    actions = [admin_review.submit, admin_review.publish, admin_review.unpublish]
    readonly_fields = ["review"]
    fieldsets = [
        ("Review", {"fields": ["review"]}),
        (None, {"fields": ["title", "unknown_title", "status", "author"]}),
        ("Patient", {"fields": ["history", ("age_value", "age_unit"), "sex"]}),
        ("Classification", {"fields": ["anatomy", "category", "difficulty", "certainty", "tags"]}),
        ("Answer", {"fields": ["diagnosis", "discussion"]}),
        ("Key image", {"fields": ["cover_image"]}),
    ]

    def case_of(self, obj):
        return obj

    def get_queryset(self, request):
        return super().get_queryset(request).editable_by(request.user)

    def get_readonly_fields(self, request, obj=None):
        if request.user.has_perm("cases.publish_case"):
            return ["review"]
        return ["review", "status", "author"]  # contributors write drafts under their own name

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj and admin_review.review_state(obj) else fieldsets[1:]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    @admin.display(description="Review")
    def review(self, case):
        return admin_review.review_state(case)

    def get_urls(self):
        view = self.admin_site.admin_view(self.review_view)
        review = path("<path:object_id>/review/", view, name="cases_case_review")
        return [review, *super().get_urls()]

    def review_view(self, request, object_id):
        return admin_review.review_view(self, request, object_id)

    def history_view(self, request, object_id, extra_context=None):
        extra_context = {**(extra_context or {}), "part_changes": part_changes(object_id)}
        return super().history_view(request, object_id, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_submit"] = obj is None or obj.status == Case.Status.DRAFT
        context["may_see_history"] = may_see_history(request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        self._submit_if_asked(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._submit_if_asked(request, obj)
        return super().response_change(request, obj)

    def _submit_if_asked(self, request, case):
        """The change page's "Save and submit for review" button, once everything is saved."""
        if "_submit_review" in request.POST and admin_review.submit_case(self, request, case):
            self.message_user(request, f"{case.number} was submitted for review.")

    def save_model(self, request, obj, form, change):
        if not change and not obj.author_id:
            obj.author = request.user
        if "status" in form.changed_data and obj.is_submitted:  # an editor's choice of status
            obj.submitted_at, obj.submitted_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if isinstance(inline_form, UploadsImagesForm) and inline_form.instance.pk:
                submit_upload(self, request, inline_form, inline_form.instance)

    def has_publish_permission(self, request):
        return request.user.has_perm("cases.publish_case")


admin.site.register(Study, StudyAdmin)
admin.site.register(Differential, PartAdmin)
admin.site.register(AcceptedAnswer, PartAdmin)
admin.site.register(Reference, PartAdmin)


class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "case_count"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(case_total=Count("cases"))

    @admin.display(description="Cases", ordering="case_total")
    def case_count(self, obj):
        return obj.case_total


admin.site.register(Anatomy, VocabularyAdmin)
admin.site.register(DiagnosticCategory, VocabularyAdmin)


@admin.register(Modality)
class ModalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "position"]
    list_editable = ["position"]
    search_fields = ["code", "name"]


# The case of the day's admin lives with the rest of the feature.
import cases.daily.admin  # noqa: E402,F401
