"""Portable case bundles: cases with their images in one .zip, to move between installations.

The format is described in docs/bundle.md and checked by docs/bundle.schema.json. export() writes
a bundle; import_bundle() reads one. Importing is all or nothing: the whole bundle is checked
(zip safety, JSON, schema, files, authors, vocabulary) before anything is written, and then every
case is imported in one transaction, each DICOM file and picture through the upload pipeline
(viewer.ingest: de-identified, checked, rendered) like any upload. If anything fails, nothing is
imported and the files already written are deleted.

A case's JSON is deterministic (sorted keys, stable order, no database ids, storage paths or
DICOM UIDs), so exporting, importing into an empty database and exporting again gives the same
case.json. DICOM UIDs are left out because importing de-identifies the files again, which remaps
their UIDs with the new case's salt; the UIDs travel inside the DICOM files themselves.
"""

import json
import shutil
import stat
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from jsonschema import Draft202012Validator
from jsonschema.exceptions import relevance
from referencing import Registry, Resource

from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Modality, Reference, Study
from dicom.archive import ArchiveError, expand
from viewer.ingest import (
    IngestError,
    IngestLimits,
    Staging,
    cleanup_unpublished,
    deid_context,
    publish,
    stage,
)
from viewer.models import Image, Series

FORMAT, CASE_FORMAT, VERSION = "teaching-case-bundle", "teaching-case", 1
MANIFEST = "manifest.json"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "bundle.schema.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # a fixed date in every entry: the same cases, the same bytes


class BundleError(ValueError):
    """A bundle refused, in words for the person importing it (naming the file at fault)."""


def dumps(document):
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def timestamp(value):
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


# --- export ------------------------------------------------------------------------------------


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


CASE_FIELDS = [
    "title", "unknown_title", "history", "age_value", "age_unit", "sex", "difficulty",
    "certainty", "diagnosis", "discussion", "status",
]  # fmt: skip


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


# --- reading and checking a bundle -------------------------------------------------------------


@cache
def _validators():
    schema = json.loads(SCHEMA_PATH.read_text())
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))

    def validator(part):
        return Draft202012Validator({"$ref": f"{schema['$id']}#/$defs/{part}"}, registry=registry)

    return {"manifest": validator("manifest"), "case": validator("case")}


@dataclass
class CaseEntry:
    name: str  # case.json's path in the zip
    folder: str
    document: dict

    def file(self, image):
        return f"{self.folder}/{image['file']}"


@dataclass
class Bundle:
    members: dict  # path in the zip -> dicom.archive.Member
    cases: list  # CaseEntry, in the manifest's order

    def member(self, path):
        return self.members[path]


def read_bundle(path, limits):
    """Open a bundle through dicom.archive (its limits and checks) and check every case.json
    against the schema and its files against the zip; raises BundleError."""
    prefix = Path(path).name
    try:
        members = {m.name.removeprefix(f"{prefix}/"): m for m in expand([(prefix, path)], limits)}
    except (ArchiveError, OSError) as e:
        raise BundleError(str(e)) from None
    if set(members) == {prefix}:
        raise BundleError(f"{prefix}: this is not a zip")
    bundle = Bundle(members, [])
    manifest = _read_json(bundle, MANIFEST, "manifest")
    for name in manifest["cases"]:
        document = _read_json(bundle, name, "case")
        bundle.cases.append(CaseEntry(name, name.rsplit("/", 1)[0], document))
        _check_files(bundle, bundle.cases[-1])
    return bundle


def _read_json(bundle, name, part):
    if name not in bundle.members:
        raise BundleError(f"{name}: missing from the bundle")
    try:
        with bundle.member(name).open() as stream:
            document = json.loads(stream.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise BundleError(f"{name}: not valid JSON ({e})") from None
    except ArchiveError as e:
        raise BundleError(str(e)) from None
    errors = sorted(_validators()[part].iter_errors(document), key=relevance, reverse=True)
    if errors:
        lines = [f"  at {e.json_path}: {e.message}" for e in errors[:5]]
        raise BundleError(f"{name}: does not follow docs/bundle.schema.json\n" + "\n".join(lines))
    return document


def _check_files(bundle, entry):
    images = [
        (f"$.studies[{s}].series[{r}].images[{i}]", image)
        for s, study in enumerate(entry.document["studies"])
        for r, series in enumerate(study["series"])
        for i, image in enumerate(series["images"])
    ]
    for where, image in images:
        if entry.file(image) not in bundle.members:
            raise BundleError(
                f"{entry.name}: at {where}: {image['file']} is missing from the bundle"
            )
    cover = entry.document["cover"]
    if cover and not _at(entry.document["studies"], cover):
        raise BundleError(f"{entry.name}: at $.cover: there is no such image")


def _at(studies, where):
    try:
        return studies[where["study"]]["series"][where["series"]]["images"][where["image"]]
    except IndexError:
        return None


def resolve_authors(cases, fallback=None):
    """{bundle username: account}: the account of the same username, else `fallback`'s."""
    User = get_user_model()
    wanted = {entry.document["author"]["username"] for entry in cases}
    found = {user.username: user for user in User.objects.filter(username__in=wanted)}
    missing = sorted(wanted - found.keys())
    if missing and fallback is None:
        raise BundleError(
            f"No account for the author(s) {', '.join(missing)}: create them, or pass "
            "--author USERNAME to give their cases to that account."
        )
    if missing:
        stand_in = User.objects.filter(username=fallback).first()
        if stand_in is None:
            raise BundleError(f"No account named {fallback!r} (--author).")
        found.update(dict.fromkeys(missing, stand_in))
    return found


class Vocabulary:
    """The bundle's anatomy, categories (by name) and modalities (by code), found or created."""

    def __init__(self, cases, create=False):
        self.create = create
        self.wanted = {Anatomy: {}, DiagnosticCategory: {}, Modality: {}}
        for entry in cases:
            for model, field in ((Anatomy, "anatomy"), (DiagnosticCategory, "category")):
                if term := entry.document[field]:
                    self.wanted[model].setdefault(term["name"], term)
            for study in entry.document["studies"]:
                self.wanted[Modality].setdefault(study["modality"]["code"], study["modality"])
        self.found = {model: self._existing(model, names) for model, names in self.wanted.items()}

    def _existing(self, model, names):
        key = "code" if model is Modality else "name"
        return {getattr(t, key): t for t in model.objects.filter(**{f"{key}__in": list(names)})}

    def missing(self):
        return {
            model: sorted(set(names) - set(self.found[model]))
            for model, names in self.wanted.items()
            if set(names) - set(self.found[model])
        }

    def check(self):
        missing = self.missing()
        if missing and not self.create:
            listed = "; ".join(
                f"{model._meta.verbose_name_plural}: {', '.join(names)}"
                for model, names in missing.items()
            )
            raise BundleError(
                f"Terms missing from this site's vocabulary ({listed}). Add them in the admin, "
                "or pass --create-terms."
            )

    def create_missing(self):
        for model, names in self.missing().items():
            for name in names:
                self.found[model][name] = self._new(model, self.wanted[model][name])

    def _new(self, model, term):
        if model is Modality:
            return Modality.objects.create(code=term["code"], name=term["name"], position=100)
        slug = base = term["slug"] or slugify(term["name"]) or "term"
        n = 1
        while model.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return model.objects.create(name=term["name"], slug=slug, position=100)

    def get(self, model, term):
        if term is None:
            return None
        return self.found[model][term["code"] if model is Modality else term["name"]]


# --- import ------------------------------------------------------------------------------------


@dataclass
class Imported:
    case: Case
    updated: bool  # an existing case was replaced


def import_bundle(path, *, author=None, as_draft=False, create_terms=False):
    """Import every case of the bundle at path, or nothing; returns [Imported]. A case already
    here (same author and creation time) is replaced. Raises BundleError."""
    limits = IngestLimits.from_settings()
    bundle = read_bundle(path, limits.archive)
    authors = resolve_authors(bundle.cases, author)
    vocabulary = Vocabulary(bundle.cases, create_terms)
    vocabulary.check()
    importer = _Importer(bundle, limits, vocabulary, as_draft)
    try:
        with cleanup_unpublished(), transaction.atomic():
            vocabulary.create_missing()
            return [importer.case(entry, authors[entry.document["author"]["username"]])
                    for entry in bundle.cases]  # fmt: skip
    except (IngestError, ArchiveError) as e:
        raise BundleError(str(e)) from None


class _Importer:
    def __init__(self, bundle, limits, vocabulary, as_draft):
        self.bundle, self.limits, self.vocabulary = bundle, limits, vocabulary
        self.as_draft = as_draft
        self.seen = set()  # fingerprints of the DICOM files staged so far: none twice

    def case(self, entry, author):
        document = entry.document
        created = datetime.fromisoformat(document["created"])
        case = Case.objects.filter(author=author, created=created).first()
        updated = case is not None
        if updated:
            for related in (case.studies, case.differentials, case.references):
                related.all().delete()
        else:
            case = Case(author=author, created=created)
        self.fields(case, document)
        case.save()
        case.tags.set(document["tags"])
        Differential.objects.bulk_create(
            Differential(case=case, diagnosis=d, position=n)
            for n, d in enumerate(document["differentials"])
        )
        Reference.objects.bulk_create(
            Reference(case=case, position=n, **r) for n, r in enumerate(document["references"])
        )
        images = [self.study(entry, case, s, study) for s, study in enumerate(document["studies"])]
        self.finish(case, document, images)
        return Imported(case, updated)

    def fields(self, case, document):
        for field in CASE_FIELDS:
            setattr(case, field, document[field])
        case.anatomy = self.vocabulary.get(Anatomy, document["anatomy"])
        case.category = self.vocabulary.get(DiagnosticCategory, document["category"])
        published_at = document["published_at"]
        case.published_at = published_at and datetime.fromisoformat(published_at)
        if self.as_draft:
            case.status, case.published_at = Case.Status.DRAFT, None

    def finish(self, case, document, images):
        """The cover by its position, and the timestamps the bundle carries (save() and the
        image signals set their own)."""
        where = document["cover"]
        cover = images[where["study"]][where["series"]][where["image"]] if where else None
        Case.objects.filter(pk=case.pk).update(
            cover_image=cover, updated=datetime.fromisoformat(document["updated"])
        )
        if cover is None:
            case.ensure_cover()
        case.refresh_from_db()

    def study(self, entry, case, position, document):
        study = Study.objects.create(
            case=case,
            modality=self.vocabulary.get(Modality, document["modality"]),
            description=document["description"],
            findings=document["findings"],
            position=position,
        )
        return [self.series(entry, study, r, series) for r, series in enumerate(document["series"])]

    def series(self, entry, study, position, document):
        """Stage each file of the series, publish them together; the Image rows in bundle order."""
        staged = {}  # file name in the zip -> its Staging
        for image in document["images"]:
            name = entry.file(image)
            if name not in staged:
                staged[name] = self.stage(name, document["kind"], study.case)
        merged = Staging()
        for staging in staged.values():
            merged.absorb(staging)
        if document["kind"] == "pictures":
            series = self.publish_pictures(merged, study)
        else:
            series = self.publish_dicom(entry, merged, study)
        series.position, series.description = position, document["description"]
        if (document["dicom"] or {}).get("burned_in_confirmed") and series.burned_in:
            series.burned_in_confirmed_by = study.case.author
            series.burned_in_confirmed_at = timezone.now()
        series.save()
        return self.order_images(entry, series, document["images"], staged)

    def stage(self, name, kind, case):
        member = self.bundle.member(name)
        pictures = kind == "pictures"
        known = self.seen.__contains__
        staging = stage(
            [member], deid_context(case), self.limits, accept_pictures=pictures, known=known
        )
        self.seen |= staging.seen
        if staging.skipped:  # a picture among DICOM, or the same DICOM file twice
            raise BundleError("{}: {}".format(*staging.skipped[0]))
        if pictures and staging.series:
            raise BundleError(f"{name}: a DICOM file in a series of pictures")
        return staging

    def publish_pictures(self, staging, study):
        series = Series.objects.create(study=study)
        publish(staging, study.case, study)
        # publish() adds pictures to the study's first series of pictures: keep them apart.
        names = [picture.names["full"] for picture in staging.pictures]
        Image.objects.filter(full__in=names).update(series=series)
        return series

    def publish_dicom(self, entry, staging, study):
        if len(staging.series) != 1 or study.series.filter(uid__in=list(staging.series)).exists():
            raise BundleError(
                f"{entry.name}: a DICOM series of study {study.position + 1} holds files of "
                "another series (they must share one SeriesInstanceUID, unique in the study)"
            )
        publish(staging, study.case, study)
        staged = next(iter(staging.series.values()))
        if not study.uid:
            Study.objects.filter(pk=study.pk).update(uid=staged.study_uid)
        return study.series.get(uid=staged.uid)

    def order_images(self, entry, series, documents, staged):
        """Positions and captions as the bundle gives them; the rows in that order."""
        names = [self.rendition(entry, image, staged[entry.file(image)]) for image in documents]
        rows = {row.full.name: row for row in Image.objects.filter(full__in=names)}
        images = [rows[name] for name in names]
        for position, (image, document) in enumerate(zip(images, documents)):
            image.position, image.caption, image.series = position, document["caption"], series
        Image.objects.bulk_update(images, ["position", "caption", "series"], batch_size=500)
        return images

    def rendition(self, entry, image, staging):
        """The storage name of the full rendition staged for one image of the bundle."""
        if staging.pictures:
            if image["frame"]:
                raise BundleError(f"{entry.file(image)}: a picture has no frame {image['frame']}")
            return staging.pictures[0].names["full"]
        frames = next(iter(staging.series.values())).instances[0].images
        if image["frame"] >= len(frames):
            raise BundleError(f"{entry.file(image)}: the file has no frame {image['frame']}")
        return frames[image["frame"]].names["full"]
