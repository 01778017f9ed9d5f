"""Find burned-in text in a frame's picture, to propose the rectangles an editor redacts.

Pure functions on Pillow images, no Django. Text is read by Debian's tesseract-ocr through the
optional pytesseract binding (`pip install '.[ocr]'`, `make ocr-deps`); without either,
available() says so and text_boxes() finds nothing, and the redaction page is drawn by hand.

Scanners write their text in one bright colour over a dark frame (or dark over a light page, for
scanned documents), so the picture is first cut to that text alone: pixels at least TEXT_LEVEL
bright (or at most 255 - TEXT_LEVEL dark on a light page) become black on white. That removes the
speckle tesseract would read as words, and makes it four times faster. Tesseract then looks for
sparse text (page segmentation mode 11) in a picture twice the size, which it reads better at
ultrasound's 12-pixel letters. Word boxes that are not letter-sized go; the rest are joined into
lines and padded, since proposing a rectangle too large costs the editor less than one too small.
"""

import os
import subprocess

import numpy as np
from PIL import Image

try:
    import pytesseract
except ImportError:  # the optional extra is not installed
    pytesseract = None

TEXT_LEVEL = 180  # of 255: overlay text is drawn near white
SCALE = 2
PAD = 2  # pixels around each proposed rectangle
LETTER_HEIGHTS = (5, 40)  # a word box outside these heights (in the frame's pixels) is not text
CONFIG = "--psm 11"  # sparse text: scattered words, no page layout


def available():
    """Whether text can be found here: the binding installed and the tesseract it names runs."""
    if pytesseract is None:
        return False
    try:
        pytesseract.get_tesseract_version()
    except (pytesseract.TesseractNotFoundError, OSError, subprocess.SubprocessError):
        return False
    return True


def text_boxes(picture):
    """[(x, y, width, height), ...]: where the picture (a frame as shown) holds text, one box a
    line of words; [] when OCR is not available."""
    if not available():
        return []
    mask = _text_only(picture).resize(
        (picture.width * SCALE, picture.height * SCALE), Image.Resampling.NEAREST
    )
    # Tesseract's OpenMP threads cost more than they give on a busy machine: one is ~4x faster.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    words = pytesseract.image_to_data(mask, config=CONFIG, output_type=pytesseract.Output.DICT)
    boxes = [_box(words, n) for n in range(len(words["text"])) if _is_word(words, n)]
    return [_padded(box, picture.size) for box in _lines(boxes)]


def _text_only(picture):
    """Black text on white: the pixels bright (or dark) enough to be the scanner's lettering."""
    grey = np.asarray(picture.convert("RGB")).max(axis=-1)
    if np.median(grey) < 128:
        text = grey >= TEXT_LEVEL
    else:
        text = grey <= 255 - TEXT_LEVEL
    return Image.fromarray(np.where(text, 0, 255).astype(np.uint8), "L")


def _is_word(words, n):
    height = words["height"][n] / SCALE
    letters = any(char.isalnum() for char in words["text"][n])
    return letters and LETTER_HEIGHTS[0] <= height <= LETTER_HEIGHTS[1]


def _box(words, n):
    return tuple(round(words[key][n] / SCALE) for key in ("left", "top", "width", "height"))


def _lines(boxes):
    """Words next to each other on a line joined into one box: they overlap vertically by half
    the lower one's height and are at most two letter heights apart."""
    lines = []
    for box in sorted(boxes, key=lambda b: (b[0], b[1])):
        for n, line in enumerate(lines):
            if _same_line(line, box):
                lines[n] = _union(line, box)
                break
        else:
            lines.append(box)
    return lines


def _same_line(line, box):
    x, y, width, height = line
    bx, by, bwidth, bheight = box
    overlap = min(y + height, by + bheight) - max(y, by)
    gap = bx - (x + width)
    return overlap >= min(height, bheight) / 2 and gap <= 2 * max(height, bheight)


def _union(a, b):
    left, top = min(a[0], b[0]), min(a[1], b[1])
    right, bottom = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return left, top, right - left, bottom - top


def _padded(box, size):
    x, y, width, height = box
    left, top = max(0, x - PAD), max(0, y - PAD)
    right, bottom = min(size[0], x + width + PAD), min(size[1], y + height + PAD)
    return left, top, right - left, bottom - top
