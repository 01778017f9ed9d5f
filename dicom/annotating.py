"""Annotations burned into a picture, for print: the arrows, lines, ellipses, texts and lengths a
contributor drew in the viewer (viewer.models.Annotation), drawn with Pillow as the viewer draws
them on its canvas (static/viewer/annotations.js), so a handout's key image shows the marks.

Pure functions on Pillow images, no Django. Points are in the image's own pixels; `scale` maps
them onto a picture resized from it (print renditions are at most 1800 pixels long).
"""

import math
from dataclasses import dataclass

from PIL import ImageDraw, ImageFont

COLOUR = (255, 230, 0)  # the viewer's yellow
OUTLINE = (0, 0, 0)


@dataclass(frozen=True)
class Mark:
    kind: str  # arrow, line, ellipse, text, length
    points: list  # [[x, y], ...] in the image's pixels
    label: str = ""


def burn_in(picture, marks, scale=1.0, spacing=None):
    """A copy of `picture` in RGB with the marks drawn on it. `spacing` ([row, column] mm) labels
    a length in millimetres, else it is labelled in pixels."""
    out = picture.convert("RGB")
    draw = ImageDraw.Draw(out)
    size = max(out.width, out.height)
    width = max(2, round(size / 400))  # ~4 px on a print rendition: visible, not heavy
    font = ImageFont.load_default(size=max(12, round(size / 45)))
    for mark in marks:
        points = [(x * scale, y * scale) for x, y in mark.points]
        SHAPES[mark.kind](draw, points, width)
        label = length_label(mark, spacing) if mark.kind == "length" else mark.label
        if label:
            x, y = points[-1]
            offset = 0 if mark.kind == "text" else 2 * width
            draw.text(
                (x + offset, y), label, fill=COLOUR, font=font, anchor="lm",
                stroke_width=max(1, width // 2), stroke_fill=OUTLINE,
            )
    return out


def length_label(mark, spacing):
    (x1, y1), (x2, y2) = mark.points
    if spacing:
        return f"{math.hypot((x2 - x1) * spacing[1], (y2 - y1) * spacing[0]):.1f} mm"
    return f"{math.hypot(x2 - x1, y2 - y1):.0f} px"


def _segment(draw, points, width):
    draw.line(points, fill=COLOUR, width=width)


def _arrow(draw, points, width):
    (x1, y1), (x2, y2) = points
    draw.line(points, fill=COLOUR, width=width)
    angle = math.atan2(y2 - y1, x2 - x1)
    head = 6 * width
    wings = [
        (x2 - head * math.cos(angle + turn), y2 - head * math.sin(angle + turn))
        for turn in (-0.45, 0.45)
    ]
    draw.polygon([(x2, y2), *wings], fill=COLOUR)


def _ellipse(draw, points, width):
    (x1, y1), (x2, y2) = points
    box = [min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)]
    draw.ellipse(box, outline=COLOUR, width=width)


SHAPES = {
    "arrow": _arrow,
    "line": _segment,
    "length": _segment,
    "ellipse": _ellipse,
    "text": lambda draw, points, width: None,  # the label alone
}
