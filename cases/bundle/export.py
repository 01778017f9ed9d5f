"""Cases to a bundle: each case's JSON document and its image files, in a deterministic .zip."""

import shutil
import stat
import zipfile

from django.core.files.storage import default_storage

from cases.bundle.format import (
    CASE_FIELDS,
    CASE_FORMAT,
    FORMAT,
    MANIFEST,
    VERSION,
    dumps,
    timestamp,
)

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # a fixed date in every entry: the same cases, the same bytes


def export(cases, out):
    """Write the cases (in the order given) and their image files as a bundle to out (a path)."""
    paths = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, case in enumerate(cases, start=1):
            folder = f"cases/{number}"
            document, files = case_document(case)
            _write(archive, f"{folder}/case.json", dumps(document).encode())
            for name, stored in files.items():
                with default_storage.open(stored) as source, archive.open(
                    _entry(f"{folder}/{name}"), "w"
                ) as target:
                    shutil.copyfileobj(source, target)
            paths.append(f"{folder}/case.json")
        manifest = {"format": FORMAT, "version": VERSION, "cases": paths}
        _write(archive, MANIFEST, dumps(manifest).encode())
    return len(paths)


def _entry(name):
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def _write(archive, name, data):
    archive.writestr(_entry(name), data)


def case_document(case):
    """(the case as a JSON-ready dict, {file name in the bundle: storage name})."""
    files, cover = {}, {}
    ordered = case.studies.select_related("modality").order_by("position", "id")
    studies = [_study_document(study, s, files, cover) for s, study in enumerate(ordered)]
    document = {
        "format": CASE_FORMAT,
        "version": VERSION,
        "author": {"username": case.author.username, "display_name": str(case.author)},
        "anatomy": _term(case.anatomy),
        "category": _term(case.category),
        "tags": sorted(case.tags.names()),
        "differentials": [d.diagnosis for d in case.differentials.order_by("position", "id")],
        "accepted_answers": [a.answer for a in case.accepted_answers.order_by("position", "id")],
        "references": [
            {"citation": r.citation, "pmid": r.pmid, "doi": r.doi, "url": r.url}
            for r in case.references.order_by("position", "id")
        ],
        "studies": studies,
        "cover": cover.get(case.cover_image_id),
        "created": timestamp(case.created),
        "updated": timestamp(case.updated),
        "published_at": timestamp(case.published_at),
    }
    for field in CASE_FIELDS:
        document[field] = getattr(case, field)
    return document, files



def _term(term):
    return None if term is None else {"name": term.name, "slug": term.slug}


def _study_document(study, s, files, cover):
    all_series = study.series.order_by("position", "id").prefetch_related("images__instance")
    return {
        "modality": {"code": study.modality.code, "name": study.modality.name},
        "description": study.description,
        "findings": study.findings,
        "series": [
            _series_document(series, f"files/{s + 1}-{r + 1}", files, cover, (s, r))
            for r, series in enumerate(one for one in all_series if one.images.all())
        ],
    }


def _series_document(series, folder, files, cover, where):
    images = sorted(series.images.all(), key=lambda image: (image.position, image.id))
    dicom_names = {}  # instance id -> its file's name in the bundle, numbered as first met
    documents = []
    for i, image in enumerate(images):
        if image.instance_id:
            if image.instance_id not in dicom_names:
                dicom_names[image.instance_id] = f"{folder}/{len(dicom_names) + 1:04d}.dcm"
            name, stored = dicom_names[image.instance_id], image.instance.file.name
        else:
            stored = image.full.name
            name = f"{folder}/{i + 1:04d}.{stored.rsplit('.', 1)[-1]}"
        files[name] = stored
        cover[image.id] = {"study": where[0], "series": where[1], "image": i}
        documents.append(
            {"file": name, "frame": image.frame, "caption": image.caption, "meta": image.meta}
        )
    return {
        "kind": "dicom" if series.uid else "pictures",
        "description": series.description,
        "dicom": _dicom_document(series) if series.uid else None,
        "images": documents,
    }


def _dicom_document(series):
    return {
        "modality": series.modality,
        "rows": series.rows,
        "columns": series.columns,
        "photometric": series.photometric,
        "signed": series.signed,
        "pixel_spacing": series.pixel_spacing,
        "slice_thickness": series.slice_thickness,
        "windows": series.windows,
        "burned_in": series.burned_in,
        "burned_in_confirmed": series.burned_in_confirmed_at is not None,
    }
