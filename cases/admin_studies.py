"""A study's own admin page: captions and order of its pictures, its series (and the
confirmation that their pixels show no identifier), more images; a page of rows at a time."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from cases.admin_access import PartAdmin, submit_upload
from cases.models import Study
from viewer.forms import UploadsImagesForm
from viewer.models import Image
from viewer.series_inline import SeriesInline, SeriesInlineForm

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


class StudyAdminForm(UploadsImagesForm):
    class Meta:
        model = Study
        fields = ["modality", "description", "findings", "position"]


class StudyAdmin(PartAdmin):
    """Reached from a case's study: captions, image order and more images."""

    form = StudyAdminForm
    inlines = [SeriesInline, ImageInline]
    fields = ["case_link", "modality", "description", "findings", "position", "pictures", "pages"]
    readonly_fields = ["case_link", "pages"]  # PartAdmin: listed nowhere, back to the case on save

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
        if isinstance(inline, SeriesInline):
            kwargs["form_kwargs"] = {"reviewer": request.user}  # who must have seen the frames
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
        submit_upload(self, request, form, obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            confirmable = isinstance(inline_form, SeriesInlineForm)
            if confirmable and inline_form.save_confirmation() is False:
                self.message_user(
                    request,
                    f"Series {inline_form.series_number()} was not confirmed: this save added "
                    "images to it. Read its frames again, then confirm.",
                    messages.WARNING,
                )


