"""The pictures of synthetic cases: a few grey renditions rendered once and stored under
images/synthetic/. Every synthetic Image row points at those same stored names, so the disk stays
small. Deleting a synthetic Image through the ORM leaves those shared files while another image
refers to them (viewer.models.Image.delete_files); the orphan sweep leaves them while any does.
The next run of generate_cases writes them again when they are missing."""

import random
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter

from dicom.renditions import render

PICTURE_FOLDER = "images/synthetic"
PICTURE_COUNT = 8


@dataclass(frozen=True)
class StoredPicture:
    full: str
    display: str
    thumbnail: str
    width: int
    height: int


def ensure_pictures():
    """PICTURE_COUNT grey renditions under images/synthetic/, written only when missing."""
    return [ensure_picture(number) for number in range(PICTURE_COUNT)]


def ensure_picture(number):
    renditions = render(synthetic_picture(number), lossless=True)
    names = {}
    for kind, data, ext in (("full", renditions.full, renditions.full_ext),
                            ("display", renditions.display, renditions.display_ext),
                            ("thumbnail", renditions.thumbnail, "jpg")):
        name = f"{PICTURE_FOLDER}/{number}/{kind}.{ext}"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(data))
        names[kind] = name
    return StoredPicture(width=renditions.width, height=renditions.height, **names)


def synthetic_picture(number, size=512):
    """A grey picture with a radiograph's look: dark field, a soft bright body, a few densities."""
    rng = random.Random(number)
    picture = PILImage.new("L", (size, size), 12)
    draw = ImageDraw.Draw(picture)
    margin = size // 6
    draw.ellipse((margin, margin // 2, size - margin, size - margin // 2), fill=90)
    for _ in range(4 + number % 4):
        x, y = rng.randint(margin, size - margin), rng.randint(margin, size - margin)
        r = rng.randint(size // 30, size // 8)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(130, 230))
    draw.rectangle((size // 2 - 14, margin, size // 2 + 14, size - margin), fill=170)
    return picture.filter(ImageFilter.GaussianBlur(6))
