"""Choosing an image by sight in the admin (a case's cover, cases.admin.CaseAdminForm)."""

from django import forms
from django.utils.html import format_html


class ImagePicker(forms.RadioSelect):
    """A radio button per image, with its thumbnail. Labels come from the field's one query
    (select what they need with it); thumbnails load lazily, so hundreds of choices cost one
    query and only the images scrolled into view."""

    class Media:
        css = {"all": ["viewer/admin.css"]}

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "viewer-image-picker", **(attrs or {})}, choices)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        image = getattr(value, "instance", None)  # ModelChoiceIteratorValue; none for "no image"
        if image is not None:
            option["label"] = format_html(
                '<img src="{}" alt="" loading="lazy"> {}', image.thumbnail_url(), label
            )
        return option


def image_label(image):
    """What the picker writes under a thumbnail: its series and place in it (select_related
    the series)."""
    return f"{image.series.label()}, image {image.position + 1}"
