"""What the redaction page posts: rectangles drawn on the frame shown, and where they apply."""

import json

from django import forms

from dicom.redaction import Rectangle

MAX_RECTANGLES = 200  # far more than a screen's worth of text; bounds the work of one post


class RedactionForm(forms.Form):
    EVERY_FRAME, THIS_FRAME = "every", "this"

    rectangles = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": "Draw a rectangle over the text first."},
    )
    scope = forms.ChoiceField(
        label="Apply to",
        choices=[
            (EVERY_FRAME, "Every frame of the series (text a scanner writes in fixed places)"),
            (THIS_FRAME, "This frame only"),
        ],
        initial=EVERY_FRAME,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, image, **kwargs):
        super().__init__(*args, **kwargs)
        self.image = image  # the frame shown, whose pixels the rectangles were drawn in

    def clean_rectangles(self):
        try:
            values = json.loads(self.cleaned_data["rectangles"])
        except ValueError:
            raise forms.ValidationError(
                "The rectangles could not be read.", code="not_json"
            ) from None
        if not isinstance(values, list) or not values:
            raise forms.ValidationError("Draw a rectangle over the text first.", code="none")
        if len(values) > MAX_RECTANGLES:
            raise forms.ValidationError(
                "At most %(limit)s rectangles at a time.",
                code="too_many",
                params={"limit": MAX_RECTANGLES},
            )
        return [self._rectangle(value) for value in values]

    def _rectangle(self, value):
        try:
            rectangle = Rectangle.of(value)  # four whole numbers, or ValueError
        except (TypeError, ValueError):
            raise forms.ValidationError(
                "Each rectangle is x, y, width and height in whole pixels, width and height at "
                "least 1.",
                code="bad_rectangle",
            ) from None
        if rectangle.x >= self.image.width or rectangle.y >= self.image.height:
            raise forms.ValidationError(
                "A rectangle starts outside the frame (%(width)s × %(height)s pixels).",
                code="outside",
                params={"width": self.image.width, "height": self.image.height},
            )
        return rectangle

    def frame_only(self):
        return self.cleaned_data["scope"] == self.THIS_FRAME
