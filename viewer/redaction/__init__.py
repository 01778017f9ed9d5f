"""Burned-in text removed from a DICOM series' pixels, on an admin page of its own per series.

`admin.py` is the page (a frame at full size, rectangles drawn on it with static/viewer/
redaction.js, text found by OCR proposed, a preview, and Apply), `forms.py` checks what it posts,
and `applying.py` rewrites the series' stored files, renditions and stored values from the
redacted pixels (dicom.redaction) and swaps the rows to them in one transaction.
"""
