"""A bundle into cases: authors and vocabulary found (or made), then every case in one
transaction, each image through the upload pipeline (viewer.uploads) like any upload."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from cases.bundle.format import CASE_FIELDS, BundleError
from cases.bundle.reading import read_bundle
from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Modality, Reference, Study
from cases.models.parts import AcceptedAnswer
from dicom.archive import ArchiveError
from viewer.ingest import IngestError, IngestLimits
from viewer.models import Image, Series
from viewer.uploads import Upload, cleanup_unpublished


def resolve_authors(cases, fallback=None, create=False):
    """{bundle username: account}: the account of the same username; else, with `create`, a new
    one (below); else `fallback`'s."""
    User = get_user_model()
    wanted = {entry.document["author"]["username"]: entry.document["author"] for entry in cases}
    found = {user.username: user for user in User.objects.filter(username__in=wanted)}
    missing = sorted(wanted.keys() - found.keys())
    if missing and create:
        found.update({name: new_author(wanted[name]) for name in missing})
    elif missing and fallback is None:
        raise BundleError(
            f"No account for the author(s) {', '.join(missing)}: create them (--create-authors), "
            "or pass --author USERNAME to give their cases to that account."
        )
    elif missing:
        stand_in = User.objects.filter(username=fallback).first()
        if stand_in is None:
            raise BundleError(f"No account named {fallback!r} (--author).")
        found.update(dict.fromkeys(missing, stand_in))
    return found


def new_author(author):
    """An account for a bundle's author: named as in the bundle, with no usable password and no
    access to the admin, so it signs nobody in until an administrator gives it both."""
    user = get_user_model()(username=author["username"], display_name=author["display_name"])
    user.set_unusable_password()
    user.save()
    return user


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


def import_bundle(
    path, *, author=None, as_draft=False, create_terms=False, create_authors=False, starting=None
):
    """Import every case of the bundle at path, or nothing; returns [Imported]. A case already
    here (same author and creation time) is replaced. Raises BundleError. starting(name) is
    called before each image file is read (viewer/jobs.py names the file a crash stopped at)."""
    limits = IngestLimits.from_settings()
    bundle = read_bundle(path, limits.archive)
    if not create_authors:
        resolve_authors(bundle.cases, author)  # refused before any work
    vocabulary = Vocabulary(bundle.cases, create_terms)
    vocabulary.check()
    importer = _Importer(bundle, vocabulary, as_draft, starting)
    try:
        with cleanup_unpublished(), transaction.atomic():
            authors = resolve_authors(bundle.cases, author, create_authors)
            vocabulary.create_missing()
            return [importer.case(entry, authors[entry.document["author"]["username"]])
                    for entry in bundle.cases]  # fmt: skip
    except (IngestError, ArchiveError) as e:
        raise BundleError(str(e)) from None


class _Importer:
    def __init__(self, bundle, vocabulary, as_draft, starting=None):
        self.bundle, self.vocabulary = bundle, vocabulary
        self.as_draft = as_draft
        self.starting = starting or (lambda name: None)
        self.seen = set()  # fingerprints of the DICOM files staged so far: none twice

    def case(self, entry, author):
        document = entry.document
        created = datetime.fromisoformat(document["created"])
        case = Case.objects.filter(author=author, created=created).first()
        updated = case is not None
        if updated:
            for related in (
                case.studies, case.differentials, case.accepted_answers, case.references
            ):
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
        AcceptedAnswer.objects.bulk_create(  # bundles written before accepted answers lack them
            AcceptedAnswer(case=case, answer=a, position=n)
            for n, a in enumerate(document.get("accepted_answers", []))
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
        if case.is_submitted and case.submitted_at is None:  # joins the queue as it arrives
            case.submitted_at = timezone.now()

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
        pictures = document["kind"] == "pictures"
        upload = Upload(study.case, known=self.seen.__contains__, accept_pictures=pictures)
        staged = {}  # file name in the zip -> what staging it gave
        for image in document["images"]:
            name = entry.file(image)
            if name not in staged:
                staged[name] = self.stage(upload, name, pictures)
        if pictures:
            series = self.publish_pictures(upload, study)
        else:
            series = self.publish_dicom(entry, upload, study)
        series.position, series.description = position, document["description"]
        if (document["dicom"] or {}).get("burned_in_confirmed") and series.burned_in:
            series.burned_in_confirmed_by = study.case.author
            series.burned_in_confirmed_at = timezone.now()
        series.save()
        return self.order_images(entry, series, document["images"], staged)

    def stage(self, upload, name, pictures):
        self.starting(name)
        staging = upload.stage([self.bundle.member(name)])
        self.seen |= staging.seen
        if staging.skipped:  # a picture among DICOM, or the same DICOM file twice
            raise BundleError("{}: {}".format(*staging.skipped[0]))
        if pictures and staging.series:
            raise BundleError(f"{name}: a DICOM file in a series of pictures")
        return staging

    def publish_pictures(self, upload, study):
        series = Series.objects.create(study=study)
        upload.publish(study)
        # publish() adds pictures to the study's first series of pictures: keep them apart.
        names = [picture.names["full"] for picture in upload.staging.pictures]
        Image.objects.filter(full__in=names).update(series=series)
        return series

    def publish_dicom(self, entry, upload, study):
        staging = upload.staging
        if len(staging.series) != 1 or study.series.filter(uid__in=list(staging.series)).exists():
            raise BundleError(
                f"{entry.name}: a DICOM series of study {study.position + 1} holds files of "
                "another series (they must share one SeriesInstanceUID, unique in the study)"
            )
        upload.publish(study)
        staged = next(iter(staging.series.values()))
        if not study.uid:
            Study.objects.filter(pk=study.pk).update(uid=staged.study_uid)
        return study.series.get(uid=staged.uid)

    def order_images(self, entry, series, documents, staged):
        """Positions and captions as the bundle gives them; the rows in that order."""
        names = [self.rendition(entry, image, staged[entry.file(image)]) for image in documents]
        rows = {row.full.name: row for row in Image.objects.filter(full__in=names)}
        images = [rows[name] for name in names]
        for position, (image, document) in enumerate(zip(images, documents, strict=True)):
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
