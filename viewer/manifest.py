"""A series' manifest: what the browser viewer needs to show it, as a dict to send as JSON.

Grey series give the URL of each image's stored values (dicom.pixelstore, format
`med-zigzag-planes`) with what windowing them takes: rescale slope and intercept (PS3.3 C.11.1),
default windows in rescaled units (C.11.2), presets by modality; and the geometry that
orientation letters and measurements need. Colour series and uploaded pictures are shown from
their 8-bit display rendition.

The academic manifest carries nothing cases.workflows.HIDDEN_IN_ACADEMIC lists: no caption, no
annotation, and a label made of the modality and the series' number, never its description. (A
reader who committed or revealed gets the annotations apart: viewer:answer_annotations.)
"""

from django.template.defaultfilters import pluralize
from django.urls import reverse

from cases.workflows import STANDARD
from dicom import pixelstore
from viewer.models import Series

VERSION = 2
# (name, center, width) in Hounsfield units; the usual CT windows (e.g. Radiopaedia's
# "Windowing (CT)"). The viewer binds keys 1-9 in this order after its own "Auto".
CT_PRESETS = (
    ("Brain", 40, 80),
    ("Subdural", 75, 215),
    ("Stroke", 40, 40),
    ("Lung", -600, 1500),
    ("Mediastinum", 50, 350),
    ("Abdomen", 50, 400),
    ("Liver", 30, 150),
    ("Bone", 400, 1800),
)
DETECTOR_SPACING_NOTE = "detector spacing (ImagerPixelSpacing), not calibrated at the patient"


def manifest(series, images, workflow, *, number, annotate=False):
    """The manifest of `series`, whose `images` are given in display order. `number` is the
    series' 1-based place in its case; with `annotate` (standard, for who may edit the case),
    each image names the URL its new annotations are posted to."""
    grey = bool(images) and all(image.pixels for image in images)
    result = {
        "version": VERSION,
        "id": series.pk,
        "label": series_label(series, len(images), workflow, number),
        "modality": series.modality,
        "kind": "grey" if grey else "colour",
        "rows": series.rows,
        "columns": series.columns,
        "signed": series.signed,
        "photometric": series.photometric,
        "windows": [list(window) for window in series.windows],
        "presets": presets(series) if grey else [],
        "pixel_spacing": series.pixel_spacing,
    }
    if grey:
        result["encoding"] = pixelstore.ENCODING
    # Ingest marks a spacing that is the Imager Pixel Spacing (dicom.frames.spacing_at_detector).
    if series.pixel_spacing and images and images[0].meta.get("spacing_at_detector"):
        result["spacing_note"] = DETECTOR_SPACING_NOTE
    result["images"] = [
        image_entry(image, n, grey, workflow, annotate) for n, image in enumerate(images, start=1)
    ]
    if annotate and workflow == STANDARD:
        result["annotate"] = True
    return result


def series_label(series, count, workflow, number):
    """"CT · Series 2 · 120 images", numbered in the case (unique there, unlike a study's own
    position); standard adds the description, which academic never shows: it may name the
    finding ("Axial T2, lesion")."""
    label = f"{series.modality or 'Images'} · Series {number} · {count} image{pluralize(count)}"
    if workflow == STANDARD and series.description:
        label = f"{label} · {series.description}"
    return label


def presets(series):
    """Named windows for a grey series: CT's usual ones, else the file's own defaults."""
    if series.modality == "CT":
        return [_preset(name, center, width) for name, center, width in CT_PRESETS]
    names = ["Default"] + [f"Default {n}" for n in range(2, len(series.windows) + 1)]
    pairs = zip(names, series.windows, strict=False)  # a series without windows names none
    return [_preset(name, center, width) for name, (center, width) in pairs]


def _preset(name, center, width):
    return {"name": name, "center": center, "width": width}


def image_entry(image, number, grey, workflow, annotate=False):
    meta = image.meta
    entry = {"id": image.pk, "number": number}
    if grey:
        entry["pixels_url"] = reverse("viewer:pixels", args=[image.pk])
    entry.update(
        picture_url=image.file_url("display"),
        full_url=image.file_url("full"),
        width=image.width,
        height=image.height,
        rescale=meta.get("rescale") or [1.0, 0.0],
        windows=meta.get("windows") or [],
        orientation=meta.get("orientation"),
        position=meta.get("position"),
        spacing=meta.get("spacing"),
    )
    if workflow == STANDARD:
        entry["caption"] = image.caption
        entry["annotations"] = [a.as_json(annotate) for a in image.annotations.all()]
        if annotate:
            entry["annotations_url"] = reverse("viewer:annotate", args=[image.pk])
    return entry


def build(series, workflow, annotate=False):
    """The manifest of a series read from the database: a few queries, however many images."""
    images = series.images.order_by("position", "id")
    if workflow == STANDARD:
        images = images.prefetch_related("annotations")
    number = series_number(series)
    return manifest(series, list(images), workflow, number=number, annotate=annotate)


def series_number(series):
    """The series' 1-based place in its case, in the case page's order of studies and series
    (those readers may see: a series awaiting confirmation is neither shown nor counted)."""
    in_case = Series.objects.cleared().filter(study__case_id=series.study.case_id).order_by(
        "study__position", "study_id", "position", "id"
    )
    return list(in_case.values_list("pk", flat=True)).index(series.pk) + 1
