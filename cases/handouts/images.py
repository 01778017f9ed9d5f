"""The pictures a handout prints, served to WeasyPrint by a URL fetcher that knows only them."""

from io import BytesIO

from PIL import Image as PILImage
from weasyprint.urls import URLFetcher, URLFetcherResponse

from dicom.annotating import Mark, burn_in

# About 300 dpi across six inches of page: enough for print, a fraction of a full CT frame.
PRINT_LONG_SIDE = 1800
JPEG_QUALITY = 90
GREY_MODES = {"1", "L", "LA"}
SCHEME = "case-image:"
ANNOTATED = "case-image-annotated:"  # annotations are hidden in academic: standard only


class HandoutImages(URLFetcher):
    """Serves `case-image:<pk>` for the images of the cases given, at print size; refuses all
    else. The cases come with their studies and images prefetched: only the images readers may see
    (`Image.objects.for_readers()`), so nothing else can be printed.

    Encoded pictures are kept, so a handout that prints an image twice (the unknown, then the
    answer key) encodes it once.
    """

    def __init__(self, *cases):
        super().__init__(allowed_protocols=())
        self.images = {
            image.pk: image
            for case in cases
            for study in case.studies.all()
            for image in study.images.all()
        }
        self.encoded = {}

    def fetch(self, url, headers=None):
        prefix = ANNOTATED if url.startswith(ANNOTATED) else SCHEME
        pk = url.removeprefix(prefix) if url.startswith(prefix) else ""
        if not pk.isdigit() or int(pk) not in self.images:
            raise ValueError("Handouts show only their cases' own images.")
        key = (int(pk), prefix == ANNOTATED)
        if key not in self.encoded:
            self.encoded[key] = print_rendition(self.images[int(pk)], annotated=key[1])
        data, content_type = self.encoded[key]
        return URLFetcherResponse(url, data, {"Content-Type": content_type})


def print_rendition(image, annotated=False):
    """(bytes, content type) of the image's full rendition, at most PRINT_LONG_SIDE pixels long,
    with its annotations burned in if `annotated`.

    JPEG at quality 90, grey kept as one channel: on paper it is indistinguishable from lossless
    PNG, at a quarter of the size (a 1800 px chest radiograph: ~300 KB, against ~1.1 MB) and a
    hundredth of the encoding time.
    """
    with image.full.open("rb") as stored:
        picture = PILImage.open(stored)
        picture.load()
    picture.thumbnail((PRINT_LONG_SIDE, PRINT_LONG_SIDE), PILImage.Resampling.LANCZOS)
    marks = [Mark(a.kind, a.points, a.label) for a in image.annotations.all()] if annotated else []
    if marks:
        spacing = image.meta.get("spacing")
        picture = burn_in(picture, marks, picture.width / (image.width or picture.width), spacing)
    out = BytesIO()
    picture.convert("L" if picture.mode in GREY_MODES else "RGB").save(
        out, "JPEG", quality=JPEG_QUALITY
    )
    return out.getvalue(), "image/jpeg"
