from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from viewer.renditions import RenditionError, render_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PictureUploadField(forms.FileField):
    """Several JPEG/PNG files at once; each is checked by content and rendered while cleaning,
    so a bad file is reported by name before anything is stored."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "Select one or more JPEG or PNG files; they are added after the existing images. "
            "Each is re-encoded from its pixels, which drops EXIF and other metadata.",
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > settings.MAX_FILES_PER_UPLOAD:
            raise ValidationError(
                "At most %(limit)s files per upload.",
                code="too_many_files",
                params={"limit": settings.MAX_FILES_PER_UPLOAD},
            )
        return [(f.name, self._render(super(PictureUploadField, self).clean(f))) for f in files]

    def _render(self, upload):
        if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
            raise ValidationError(
                "%(name)s: larger than %(limit)s MB.",
                code="too_large",
                params={"name": upload.name, "limit": settings.MAX_UPLOAD_MB},
            )
        try:
            return render_upload(upload, settings.MAX_IMAGE_PIXELS)
        except RenditionError as e:
            raise ValidationError(
                "%(name)s: %(reason)s.", code=e.code, params={"name": upload.name, "reason": str(e)}
            ) from None
