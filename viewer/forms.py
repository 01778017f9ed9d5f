import math

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from viewer.models import Annotation


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    class Media:
        # The bytes sent, shown while a form with files is uploading (the admin pages).
        js = ["viewer/upload_progress.js"]
        css = {"all": ["viewer/upload_progress.css"]}


class UploadField(forms.FileField):
    """Several files at once: JPEG, PNG, DICOM, or .zip archives of them."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Add images")
        kwargs.setdefault(
            "help_text",
            "JPEG, PNG or DICOM files, several at once, or a .zip of a study or series. DICOM is "
            "de-identified before it is stored; pictures are re-encoded from their pixels, which "
            "drops EXIF and other metadata. One bad file stops the whole upload. The files are "
            "read in the background after saving: the upload's page shows how far it got.",
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
        return [super(UploadField, self).clean(f) for f in files]


class UploadsImagesForm(forms.ModelForm):
    """A study form whose `pictures` become an upload job once the study is saved
    (viewer.jobs.submit_files): the request keeps the files and answers at once, and a worker
    stages and publishes them. Checks that need no reading (how many files) are made here."""

    pictures = UploadField()


class AnnotationForm(forms.ModelForm):
    """An annotation as the viewer posts it: its kind, points in the image's pixels and a label.
    Points may stray past the image's edge (a label beside it, a drag that overshoots), but
    no further than the image's own size."""

    class Meta:
        model = Annotation
        fields = ["kind", "points", "label"]

    def __init__(self, *args, image, **kwargs):
        super().__init__(*args, **kwargs)
        self.image = image

    def clean_points(self):
        points = self.cleaned_data["points"]
        if not isinstance(points, list) or not all(_is_point(p) for p in points):
            raise ValidationError("Points are a list of [x, y] numbers.", code="not_points")
        width, height = self.image.width or 1, self.image.height or 1
        if any(not (-width <= x <= 2 * width and -height <= y <= 2 * height) for x, y in points):
            raise ValidationError("A point is too far outside the image.", code="out_of_bounds")
        return points

    def clean(self):
        data = super().clean()
        kind, points = data.get("kind"), data.get("points")
        if kind and points is not None and len(points) != Annotation.POINTS[kind]:
            count = Annotation.POINTS[kind]
            self.add_error(
                "points", ValidationError(f"A {kind} has {count} point(s).", code="point_count")
            )
        if kind == Annotation.Kind.TEXT and not data.get("label", "").strip():
            self.add_error("label", ValidationError("A text needs a label.", code="label_required"))
        return data

    def save(self, author=None):
        annotation = super().save(commit=False)
        annotation.image = self.image
        if annotation.author_id is None:
            annotation.author = author
        annotation.save()
        return annotation


def _is_point(value):
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in value)
        and all(math.isfinite(n) for n in value)
    )
