"""Renditions shrunk a band of rows at a time (large pictures, in bounded memory) match what one
resize of the whole picture makes, which small pictures get."""

import numpy as np
from PIL import Image

from dicom import renditions


def gradient_with_edges(size=(700, 500)):
    width, height = size
    x, y = np.meshgrid(np.arange(width), np.arange(height))
    grey = (x * 255 // width + 40 * ((x // 37 + y // 23) % 2)) % 256
    return Image.fromarray(grey.astype(np.uint8), "L")


def test_a_picture_shrunk_in_bands_is_within_a_grey_level_of_one_shrunk_at_once(monkeypatch):
    picture = gradient_with_edges()
    at_once = renditions._shrunk(picture, 320, Image.Resampling.BICUBIC)
    monkeypatch.setattr(renditions, "RESIZE_AT_ONCE_PIXELS", 0)  # bands, as a large picture

    in_bands = renditions._shrunk(picture, 320, Image.Resampling.BICUBIC)

    assert in_bands.size == at_once.size == (320, 229)
    difference = np.abs(np.asarray(in_bands, int) - np.asarray(at_once, int))
    assert difference.max() <= 1


def test_a_small_picture_is_shrunk_as_pillow_shrinks_it():
    picture = gradient_with_edges()
    expected = picture.copy()
    expected.thumbnail((320, 320), Image.Resampling.BICUBIC)

    shrunk = renditions._shrunk(picture, 320, Image.Resampling.BICUBIC)

    assert shrunk.tobytes() == expected.tobytes()
