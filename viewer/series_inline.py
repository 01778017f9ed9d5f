"""The series of a study's admin page (cases.admin.StudyAdmin): each with its thumbnail, and a
series flagged for burned-in text with its review frames beside the box that confirms it clean,
a box only an editor who was served those frames may tick (viewer.models.PixelReview)."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from viewer.models import Image, PixelReview, Series


class SeriesInlineForm(forms.ModelForm):
    confirm_no_identifier = forms.BooleanField(
        required=False,
        label="Pixels show no identifier",
        help_text="Tick after reading the frames shown beside this box (one of each layout in "
        "the series; click one for its full size): no name, ID, date of birth or institution is "
        "burned into the pixels.",
    )

    class Meta:
        model = Series
        fields = ["description", "position"]

    def __init__(self, *args, reviewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewer = reviewer  # who posts the page: the one who must have seen the frames

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confirm_no_identifier") and not self.frames_seen():
            self.add_error(
                "confirm_no_identifier",
                forms.ValidationError(
                    "Look at the frames of series %(number)s before confirming: load this page "
                    "again to see them as they are now.",
                    code="frames_not_seen",
                    params={"number": self.series_number()},
                ),
            )
        return cleaned

    def frames_seen(self):
        series = self.instance
        if not (series.pk and series.burned_in):
            return True  # nothing flagged: nothing to have read
        return self.reviewer is not None and PixelReview.objects.covers(self.reviewer, series)

    def series_number(self):
        number = self.instance.position + 1
        description = self.instance.description
        return f"{number} ({description})" if description else str(number)

    def save_confirmation(self):
        """Confirm the series clean if its box was ticked, checking the frames once more: an
        upload saved by the same post may have brought pixels no one has seen. Whether the box
        was ticked and the confirmation saved."""
        if not self.cleaned_data.get("confirm_no_identifier") or not self.instance.pk:
            return None
        if not self.frames_seen():
            return False
        self.instance.confirm_no_burned_in_text(self.reviewer)
        return True


def _frame_caption(frame):
    layout = f"{frame.width}×{frame.height} {frame.meta.get('photometric', '')}".strip()
    return f"{layout}: image {frame.position + 1}, one of {frame.group_size} of this layout"


class SeriesInline(admin.StackedInline):
    model = Series
    form = SeriesInlineForm
    extra = 0
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("thumbnail", "summary"),
                    ("description", "position"),
                    "burned_in_status",
                    ("review_frames", "confirm_no_identifier"),
                    "redaction",
                ]
            },
        )
    ]
    readonly_fields = ["thumbnail", "summary", "burned_in_status", "review_frames", "redaction"]

    class Media:
        css = {"all": ["viewer/admin.css"]}

    def has_add_permission(self, request, obj=None):
        return False  # series arrive with their images

    def get_queryset(self, request):
        """A page of series in a fixed number of queries, however many series and frames: the
        thumbnails and review frames are picked by the database (Image.objects.review_frames)."""
        flagged = Image.objects.filter(series__burned_in=True).review_frames()
        return (
            super()
            .get_queryset(request)
            .select_related("burned_in_confirmed_by")
            .annotate(image_total=Count("images"))
            .prefetch_related(
                Prefetch("images", Image.objects.representatives(), to_attr="representative"),
                Prefetch("images", flagged, to_attr="frames_to_review"),
            )
        )

    @admin.display(description="Thumbnail")
    def thumbnail(self, series):
        images = getattr(series, "representative", None)
        for image in series.images.all()[:1] if images is None else images:
            return format_html(
                '<img class="viewer-series-thumbnail" src="{}" alt="{}">',
                image.thumbnail_url(),
                series.label(),
            )
        return "no images"

    @admin.display(description="Images")
    def summary(self, series):
        count = getattr(series, "image_total", None)
        count = series.images.count() if count is None else count
        size = f", {series.columns}×{series.rows}" if series.rows else ""
        return f"{series.modality or 'pictures'}: {count} image(s){size}"

    @admin.display(description="Burned-in text")
    def burned_in_status(self, series):
        if not series.burned_in:
            return "not flagged"
        if series.burned_in_confirmed_at:
            by, on = series.burned_in_confirmed_by, series.burned_in_confirmed_at
            return f"confirmed clean by {by} on {on:%Y-%m-%d}"
        return "flagged: read the frames below, then confirm before publishing"

    @admin.display(description="Text in the pixels")
    def redaction(self, series):
        """The series' own page for setting burned-in text to black (viewer/redaction/)."""
        if not series.uid:
            return "pictures: re-upload them without the text"
        url = reverse("admin:viewer_redaction_series", args=[series.pk])
        return format_html('<a href="{}">Remove burned-in text…</a>', url)

    @admin.display(description="Frames to read")
    def review_frames(self, series):
        """One frame of each layout, at the display rendition's size, each linking to its full
        size. Each is served by viewer:review_frame, which records that this editor saw it."""
        frames = getattr(series, "frames_to_review", None) or []
        if not series.burned_in or not frames:
            return "not flagged"
        links = format_html_join(
            "",
            '<figure><a href="{}" target="_blank"><img src="{}" alt="{}"></a>'
            "<figcaption>{}</figcaption></figure>",
            (
                (
                    frame.file_url("full"),
                    reverse("viewer:review_frame", args=[frame.pk]),
                    _frame_caption(frame),
                    _frame_caption(frame),
                )
                for frame in frames
            ),
        )
        return format_html('<div class="viewer-review-frames">{}</div>', links)
