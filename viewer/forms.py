from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from viewer.ingest import IngestError
from viewer.uploads import Upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


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
            "drops EXIF and other metadata. One bad file stops the whole upload.",
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


class StagesUploadsForm(forms.ModelForm):
    """A study form whose `pictures` are staged while the form is cleaned, so a bad file is a
    form error naming it; the view publishes `self.upload` once the study is saved."""

    pictures = UploadField()
    upload = None  # a viewer.uploads.Upload, staged

    def __init__(self, *args, upload_case=None, **kwargs):
        # An inline form on a case not saved yet knows its case only through its formset.
        super().__init__(*args, **kwargs)
        self.upload_case = upload_case

    def case_for_upload(self):
        return self.upload_case or self.instance.case

    def clean(self):
        cleaned = super().clean()
        files = cleaned.get("pictures")
        if files and not self.errors:
            upload = Upload(self.case_for_upload())
            try:
                upload.stage(files)
                self.upload = upload
            except IngestError as e:
                error = ValidationError(str(e), code=getattr(e, "code", "invalid"))
                self.add_error("pictures", error)
        return cleaned
