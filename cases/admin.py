from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join

from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Modality, Reference, Study
from cases.models.parts import AcceptedAnswer
from viewer.forms import StagesUploadsForm
from viewer.models import Image, Series
from viewer.uploads import cleanup_unpublished


def publish_upload(model_admin, request, form, study):
    """Publish what the form staged into the saved study; say which files were not added."""
    report = form.upload.publish(study)
    for name, reason in report.skipped:
        model_admin.message_user(request, f"Not added: {name} ({reason}).", messages.WARNING)


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


class StudyInlineForm(StagesUploadsForm):
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
    class Meta:
        model = Case
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "cover_image" in self.fields:
            # Never an image awaiting confirmation of its pixels: cards show the cover.
            case_images = Image.objects.filter(study__case=self.instance.pk or 0).cleared()
            self.fields["cover_image"].queryset = case_images


@admin.register(Case)
class CaseAdmin(OwnCasesMixin, admin.ModelAdmin):
    form = CaseAdminForm
    inlines = [StudyInline, DifferentialInline, AcceptedAnswerInline, ReferenceInline]
    list_display = ["id", "title", "author", "anatomy", "category", "status", "updated"]
    list_filter = ["status", "anatomy", "category", "difficulty"]
    search_fields = ["title", "unknown_title", "diagnosis", "history"]
    list_select_related = ["author", "anatomy", "category"]
    date_hierarchy = "created"
    actions = ["publish", "unpublish"]
    fieldsets = [
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
            return []
        return ["status", "author"]  # contributors write drafts under their own name

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, StudyInline):
            kwargs["form_kwargs"] = {"upload_case": obj}  # its de-identification salt
        return kwargs

    def save_model(self, request, obj, form, change):
        if not change and not obj.author_id:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if getattr(inline_form, "upload", None) and inline_form.instance.pk:
                publish_upload(self, request, inline_form, inline_form.instance)

    def has_publish_permission(self, request):
        return request.user.has_perm("cases.publish_case")

    @admin.action(description="Publish selected cases", permissions=["publish"])
    def publish(self, request, queryset):
        published = 0
        for case in queryset.exclude(status=Case.Status.PUBLISHED):
            problems = case.publishing_problems()
            if problems:
                problems = "; ".join(problems)
                self.message_user(
                    request, f"{case.number} was not published: {problems}.", messages.ERROR
                )
                continue
            case.status = Case.Status.PUBLISHED
            case.save()
            published += 1
        self.message_user(request, f"Published {published} case(s).", messages.SUCCESS)

    @admin.action(description="Return selected cases to draft", permissions=["publish"])
    def unpublish(self, request, queryset):
        for case in queryset.filter(status=Case.Status.PUBLISHED):
            case.status = Case.Status.DRAFT
            case.save()
        self.message_user(request, "Returned to draft.", messages.SUCCESS)


# Rows of each list on a study's page. Every row is four or five form fields, and Django refuses
# a request of more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000): a study of 4,000 pictures, well
# within the upload limits, must stay editable, a page of rows at a time.
ROWS_PER_PAGE = 50


def page_number(request):
    """?page=N, from 1; capped well past any study's last page, where a database's OFFSET ends."""
    try:
        return min(max(1, int(request.GET.get("page", 1))), 1_000_000)
    except ValueError:
        return 1


def page_of(queryset, number):
    """The rows of page `number` (from 1), as a queryset the inline formset may still filter."""
    start = (number - 1) * ROWS_PER_PAGE
    keys = queryset.values_list("pk", flat=True)[start : start + ROWS_PER_PAGE]
    return queryset.filter(pk__in=list(keys))


def page_count(total):
    return max(1, -(-total // ROWS_PER_PAGE))


class ImageInline(admin.TabularInline):
    """Captions and order of uploaded pictures (DICOM series keep their acquisition order), a
    page of ROWS_PER_PAGE at a time (?page=N on the study's page)."""

    model = Image
    extra = 0
    verbose_name_plural = "pictures"
    fields = ["preview", "caption", "position"]
    readonly_fields = ["preview"]

    def has_add_permission(self, request, obj=None):
        return False  # images arrive through the upload field, rendered from their pixels

    def get_queryset(self, request):
        return super().get_queryset(request).filter(instance=None)

    @admin.display(description="Image")
    def preview(self, image):
        return format_html(
            '<img src="{}" alt="Image {}" width="120">', image.thumbnail_url(), image.pk
        )


class StudyAdminForm(StagesUploadsForm):
    class Meta:
        model = Study
        fields = ["modality", "description", "findings", "position"]


class SeriesInlineForm(forms.ModelForm):
    confirm_no_identifier = forms.BooleanField(
        required=False,
        label="Pixels show no identifier",
        help_text="Tick after scrolling through every image of this series: no name, ID, date of "
        "birth or institution is burned into the pixels.",
    )

    class Meta:
        model = Series
        fields = ["description", "position"]


class SeriesInline(admin.TabularInline):
    model = Series
    form = SeriesInlineForm
    extra = 0
    fields = ["description", "position", "summary", "burned_in_status", "confirm_no_identifier"]
    readonly_fields = ["summary", "burned_in_status"]

    def has_add_permission(self, request, obj=None):
        return False  # series arrive with their images

    @admin.display(description="Images")
    def summary(self, series):
        size = f", {series.columns}×{series.rows}" if series.rows else ""
        return f"{series.modality or 'pictures'}: {series.images.count()} image(s){size}"

    @admin.display(description="Burned-in text")
    def burned_in_status(self, series):
        if not series.burned_in:
            return "not flagged"
        if series.burned_in_confirmed_at:
            by, on = series.burned_in_confirmed_by, series.burned_in_confirmed_at
            return f"confirmed clean by {by} on {on:%Y-%m-%d}"
        return "flagged: check the pixels before publishing"


@admin.register(Study)
class StudyAdmin(OwnCasesMixin, admin.ModelAdmin):
    """Reached from a case's study: captions, image order and more images."""

    form = StudyAdminForm
    inlines = [SeriesInline, ImageInline]
    fields = ["case_link", "modality", "description", "findings", "position", "pictures", "pages"]
    readonly_fields = ["case_link", "pages"]

    def case_of(self, obj):
        return obj.case

    def get_model_perms(self, request):
        return {}  # studies are edited from their case, not listed on the admin index

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        editable = Case.objects.editable_by(request.user)
        return super().get_queryset(request).filter(case__in=editable).select_related("case")

    def response_post_save_change(self, request, obj):
        return HttpResponseRedirect(obj.case.get_admin_url())  # back to the case, not a list

    def response_change(self, request, obj):
        """Save and continue editing stays on the page of series and pictures it saved."""
        response = super().response_change(request, obj)
        if "_continue" in request.POST and "page" in request.GET:
            separator = "&" if "?" in response["Location"] else "?"
            response["Location"] += f"{separator}page={page_number(request)}"
        return response

    @admin.display(description="Case")
    def case_link(self, study):
        return format_html('<a href="{}">{}</a>', study.case.get_admin_url(), study.case)

    @admin.display(description="Pages")
    def pages(self, study):
        """Links to every page of the series and picture lists, when they need more than one."""
        pictures, series = study.images.filter(instance=None).count(), study.series.count()
        count = page_count(max(pictures, series))
        if count == 1:
            return "All series and pictures are below."
        numbers = ((n,) for n in range(1, count + 1))
        return format_html(
            "{} series and {} pictures, {} of each a page (save a page before leaving it): {}",
            series,
            pictures,
            ROWS_PER_PAGE,
            format_html_join(" ", '<a href="?page={0}">{0}</a>', numbers),
        )

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """Each inline shows one page of its rows: the same page on the GET and its POST."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if obj is None:
            return kwargs
        rows, number = kwargs["queryset"].filter(study=obj), page_number(request)
        kwargs["queryset"] = page_of(rows, number)
        pages = page_count(rows.count())
        if pages > 1:  # the inline is this request's own instance
            inline.verbose_name_plural = f"{inline.verbose_name_plural} (page {number} of {pages})"
        return kwargs

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.upload:
            publish_upload(self, request, form, obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form.cleaned_data.get("confirm_no_identifier") and inline_form.instance.pk:
                inline_form.instance.confirm_no_burned_in_text(request.user)


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
