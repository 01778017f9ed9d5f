"""The viewer's models: images and what is done to them (images.py), and the upload jobs that
bring them in (jobs.py)."""

from viewer.models.images import (
    BURNED_IN_PRONE,
    Annotation,
    Image,
    ImageQuerySet,
    Instance,
    PixelReview,
    PixelReviewQuerySet,
    Redaction,
    Series,
    SeriesQuerySet,
    _dicom_path,
    _image_path,
)
from viewer.models.jobs import UploadJob, UploadJobQuerySet

# Named by the migrations that made their fields (the upload_to of files and renditions).
__all__ = ["_dicom_path", "_image_path"]
__all__ += [
    "BURNED_IN_PRONE", "Annotation", "Image", "ImageQuerySet", "Instance", "PixelReview",
    "PixelReviewQuerySet", "Redaction", "Series", "SeriesQuerySet", "UploadJob",
    "UploadJobQuerySet",
]
