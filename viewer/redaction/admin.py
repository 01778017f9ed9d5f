"""The redaction page of a DICOM series in the admin (/admin/viewer/redaction/series/<pk>/),
linked from the series' row on its study's page: one frame at full size, where the editor draws
rectangles over burned-in text (static/viewer/redaction.js) or accepts those OCR proposes,
previews the frame redacted, and applies to that frame or to every frame of the series.

Who may confirm the series clean may redact it (Series.is_confirmable_by); anyone else is refused.
"""

import base64
from io import BytesIO

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from PIL import Image

from cases.admin_access import ReadOnlyAdmin
from dicom import frames, ocr, reading, redaction
from dicom.errors import DicomError
from viewer.ingest import IngestLimits
from viewer.models import Redaction, Series
from viewer.redaction.applying import redact_series
from viewer.redaction.forms import RedactionForm


def _get_redactable_series(request, pk):
    """A DICOM series the user may confirm clean (so redact); 404 if none, 403 if not theirs."""
    series = get_object_or_404(Series.objects.select_related("study__case"), pk=pk)
    if not series.is_confirmable_by(request.user):
        raise PermissionDenied("Only who may confirm this series clean removes its text.")
    return series


def _frame_number(request, count):
    """?frame=N, from 1, within the series."""
    try:
        return min(max(1, int(request.GET.get("frame", 1))), max(count, 1))
    except ValueError:
        return 1


@admin.register(Redaction)
class RedactionAdmin(ReadOnlyAdmin):
    """The record of redactions (who removed what from which series, and when): read-only."""

    list_display = ["created", "series", "position", "images", "author"]
    list_select_related = ["series", "author"]

    def get_model_perms(self, request):
        return {}  # reached from a series' row on its study's page, not from the admin index

    def get_urls(self):
        page = self.admin_site.admin_view(self.series_view)
        return [
            path("series/<int:pk>/", page, name="viewer_redaction_series"),
            *super().get_urls(),
        ]

    def series_view(self, request, pk):
        series = _get_redactable_series(request, pk)
        frames_of = series.images.exclude(instance=None)  # in the series' order
        count = frames_of.count()
        if not count:
            raise PermissionDenied("Only the frames of DICOM files are redacted here.")
        number = _frame_number(request, count)
        image = frames_of.select_related("instance")[number - 1]
        form = RedactionForm(request.POST or None, image=image)
        preview = None
        if request.method == "POST" and form.is_valid():
            if "_apply" in request.POST:
                return self._apply(request, series, image, form, number)
            preview = _checked_preview(image, form)
        page = {"number": number, "count": count, "form": form, "preview": preview}
        context = self._context(request, image, page)
        return TemplateResponse(request, "viewer/redaction.html", context)

    def _context(self, request, image, page):
        series = image.series
        return {
            **self.admin_site.each_context(request),
            **page,
            "title": f"Remove burned-in text: {series.label()}",
            "series": series,
            "image": image,
            "full_url": image.file_url("full"),
            "proposals": _proposals(request, image),
            "ocr_available": ocr.available(),
            "redactions": series.redactions.select_related("author")[:10],
            "study_url": reverse("admin:cases_study_change", args=[series.study_id]),
        }

    def _apply(self, request, series, image, form, number):
        try:
            done = redact_series(
                series,
                form.cleaned_data["rectangles"],
                request.user,
                image=image if form.frame_only() else None,
            )
        except DicomError as error:
            self.message_user(request, f"Nothing was changed: {error.reason}.", messages.ERROR)
        else:
            self.message_user(
                request,
                f"Set {len(done.rectangles)} rectangle(s) to black in {done.images} image(s). "
                "Look through the series, then confirm it on its study's page.",
                messages.SUCCESS,
            )
        url = reverse("admin:viewer_redaction_series", args=[series.pk])
        return redirect(f"{url}?frame={number}")


def _proposals(request, image):
    """Rectangles around the text OCR finds in the frame, when asked (it takes a second)."""
    if "find_text" not in request.GET:
        return None
    with image.full.open("rb") as stored:
        picture = _loaded(stored)
    return [list(box) for box in ocr.text_boxes(picture)]


def _loaded(stored):
    picture = Image.open(stored)
    picture.load()
    return picture


def _checked_preview(image, form):
    try:
        return _preview(image, form)
    except DicomError as error:
        form.add_error(None, f"The frame could not be previewed: {error.reason}.")
        return None


def _preview(image, form):
    """The frame as it will be, made from its DICOM file redacted in memory: a PNG data URL."""
    limits = IngestLimits.from_settings().read
    with image.instance.file.open("rb") as stored:
        ds = reading.read_dataset(stored.read(), limits)
    redaction.redact_dataset(ds, form.cleaned_data["rectangles"], image.frame)
    out = BytesIO()
    frames.to_picture(ds, image.frame).save(out, "PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
