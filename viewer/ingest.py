"""Uploaded files to a staging: JPEG/PNG pictures and DICOM (one, many, zipped or a folder tree).

stage() reads each file in this worker, refuses bad input with the file's name and reason,
de-identifies DICOM in memory (dicom.deid, PS3.15 Annex E), renders it and writes only the results
to storage under random names (viewer.staging). It keeps nothing but small metadata in memory, so
memory stays bounded; viewer.publishing then creates the rows, so an upload is all or nothing.
Callers go through viewer.uploads, which puts the steps together.
"""

import errno
import hashlib
import hmac
import tempfile
import uuid
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.files import File

from dicom import deid, frames, pixelstore, reading
from dicom.archive import ArchiveError, ArchiveLimits, expand
from dicom.deid_values import remap_uid
from dicom.errors import Refusal
from dicom.renditions import RenditionError, render, render_upload
from viewer.models import BURNED_IN_PRONE, Instance
from viewer.staging import StagedImage, StagedInstance, StagedSeries, Staging, register

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"  # and its .1–.4 multi-frame kinds
RASTER_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
MAGIC_BYTES = len(max(RASTER_MAGIC, key=len))


class IngestError(Refusal):
    """An upload refused: a file of it (named), or the upload as a whole (too many files)."""


@dataclass(frozen=True)
class IngestLimits:
    archive: ArchiveLimits
    read: reading.ReadLimits
    max_image_pixels: int

    @classmethod
    def from_settings(cls):
        mib = 1024 * 1024
        return cls(
            archive=ArchiveLimits(
                max_files=settings.MAX_FILES_PER_UPLOAD,
                max_file_bytes=settings.MAX_UPLOAD_MB * mib,
                max_total_bytes=settings.MAX_UPLOAD_TOTAL_MB * mib,
            ),
            read=reading.ReadLimits(
                max_bytes=settings.MAX_UPLOAD_MB * mib,
                max_frame_pixels=settings.MAX_IMAGE_PIXELS,
                max_frames=settings.MAX_FRAMES_PER_FILE,
                # The deflated syntax is rare and used for small objects; parsing an inflated
                # data set costs about twice its size, so this keeps a worker well under 512 MB.
                max_inflated_bytes=64 * mib,
            ),
            max_image_pixels=settings.MAX_IMAGE_PIXELS,
        )


def deid_context(case):
    return deid.DeidContext(
        key=settings.DEIDENTIFICATION_KEY.encode(),
        case_salt=case.deid_salt,
        shift_dates=settings.DEIDENTIFICATION_SHIFT_DATES,
    )


def fingerprint(sop_instance_uid):
    """A keyed hash of an original SOPInstanceUID: recognises a re-import, reveals nothing."""
    key = settings.DEIDENTIFICATION_KEY.encode()
    return hmac.new(key, b"instance\0" + sop_instance_uid.encode(), hashlib.sha256).hexdigest()


def already_in(case):
    """known() for stage(): is a DICOM instance (by fingerprint) already in this case?"""
    if not case.pk:
        return None
    return known_among(Instance.objects.filter(series__study__case=case))


def known_among(instances):
    """known() over a queryset of instances, loaded once (not one query per file)."""
    fingerprints = set(instances.values_list("fingerprint", flat=True))
    return fingerprints.__contains__


def members_of(uploaded_files, limits):
    """Archive members to stage: each uploaded file, and the members of each .zip among them."""
    return expand([(f.name, f) for f in uploaded_files], limits.archive)


# --- stage -------------------------------------------------------------------------------------


def stage(
    members, context, limits, *, skip_bad=False, known=None, accept_pictures=True, progress=None,
    starting=None,
):
    """Read, check, de-identify and render every member; write the results to storage.

    members are dicom.archive.Member; known(fingerprint) says a DICOM instance is already in the
    case. A bad file raises IngestError (and deletes what was written), or with skip_bad is
    listed in staging.skipped. starting(name) is called before each file, progress(done) after.
    """
    staging = register(Staging())
    try:
        for done, member in enumerate(members, start=1):
            if starting:
                starting(member.name)
            _stage_member(staging, member, context, limits, known, skip_bad, accept_pictures)
            if progress:
                progress(done)
    except IngestError:
        staging.discard()
        raise
    except ArchiveError as e:  # the upload as a whole (too many files, a zip bomb)
        staging.discard()
        raise IngestError(e.code, e.reason, e.name) from None
    except OSError as e:
        staging.discard()
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise IngestError("storage_full", STORAGE_FULL) from e
        raise
    return staging


STORAGE_FULL = (
    "The server's storage is full, so nothing of this upload was kept. Ask an administrator to "
    "free space, then send it again."
)


def _stage_member(staging, member, context, limits, known, skip_bad, accept_pictures):
    try:
        with member.open() as stream:
            picture = stream.read(MAGIC_BYTES).startswith(RASTER_MAGIC)
            # Back within the stream's buffer: a zip member is not opened and inflated twice.
            stream.seek(0)
            if picture and not accept_pictures:
                raise Skip("a JPEG/PNG picture, not DICOM: add pictures to a study in the admin")
            if picture:
                staging.pictures.append(_stage_picture(staging, stream.read(), limits,
                                                       member.name))  # fmt: skip
            else:
                _stage_dicom(staging, stream, member.name, context, limits, known)
    except (reading.DicomError, RenditionError, ArchiveError, Skip) as e:
        reason = getattr(e, "reason", None) or str(e)  # ArchiveError's str() names the file
        if accept_pictures and getattr(e, "code", "") == "not_dicom":
            reason = reason.replace("not a DICOM file", "not a JPEG, PNG or DICOM file")
        if isinstance(e, Skip) or skip_bad:
            staging.skipped.append((member.name, reason))
            return
        raise IngestError(getattr(e, "code", "invalid"), reason, member.name) from None


class Skip(Exception):
    """A file that is fine but not wanted here (already imported, or not DICOM)."""

    code = "duplicate"


def _stage_picture(staging, data, limits, source):
    renditions = render_upload(BytesIO(data), limits.max_image_pixels)
    staged = _write_renditions(staging, renditions)
    staged.source = source
    return staged


def _write_renditions(staging, renditions, frame=0, meta=None, pixels=None):
    folder = _new_folder()
    names = {
        "full": staging.write(f"{folder}/full.{renditions.full_ext}", renditions.full),
        "display": staging.write(f"{folder}/display.{renditions.display_ext}", renditions.display),
        "thumbnail": staging.write(f"{folder}/thumb.jpg", renditions.thumbnail),
    }
    if pixels is not None:
        names["pixels"] = staging.write(f"{folder}/pixels.bin", pixels)
    return StagedImage(names, renditions.width, renditions.height, frame, meta or {})


def _new_folder():
    key = uuid.uuid4().hex
    return f"images/{key[:2]}/{key}"


def _stage_dicom(staging, stream, name, context, limits, known):
    ds, print_ = _read_dicom(stream, limits)
    if print_ in staging.seen or (known and known(print_)):
        raise Skip("already imported")
    staging.seen.add(print_)
    deid.deidentify(ds, context)
    _give_series_uid(ds, context)
    file_name = write_dicom(staging, ds)
    images = [stage_frame(staging, ds, frame) for frame in range(reading.frame_count(ds))]
    # Only now: a file whose frames are refused (no decoder, damaged) must not leave its series
    # behind, empty, to be published as a series without images.
    series = _series_for(staging, ds, images)
    series.instances.append(
        StagedInstance(
            file_name=file_name,
            sop_uid=str(ds.get("SOPInstanceUID", "")),
            sop_class=str(ds.get("SOPClassUID", "")),
            transfer_syntax=str(ds.file_meta.TransferSyntaxUID),
            fingerprint=print_,
            images=images,
            source=name,
        )
    )


def _read_dicom(stream, limits):
    """The file's dataset and fingerprint. The file's bytes are read here and let go on
    return, so that only the dataset's copy of the pixel data stays while the frames render."""
    data = stream.read()
    ds = reading.read_dataset(data, limits.read)
    reading.check_image(ds, limits.read)
    # SOPInstanceUID is required, but a file without one is still an image: key it by content.
    return ds, fingerprint(str(ds.get("SOPInstanceUID") or hashlib.sha256(data).hexdigest()))


# A de-identified file up to this size is written through memory; a larger one through a
# temporary file on disk, so that a large file is never held twice (docs/performance.md).
SPOOL_BYTES = 8 * 1024 * 1024


def write_dicom(staging, ds):
    """Write the de-identified file through a temporary file (in memory while small)."""
    key = uuid.uuid4().hex
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        deid.write(ds, out)
        out.seek(0)
        return staging.write(f"dicom/{key[:2]}/{key}.dcm", File(out))


def _give_series_uid(ds, context):
    """Files without a SeriesInstanceUID (it is required, but seen) share one series per case,
    and the stored files say which: whatever reads them back (a bundle's import, a worker's share
    of the same upload) groups them as the case does."""
    if not str(ds.get("SeriesInstanceUID", "")):
        ds.SeriesInstanceUID = remap_uid("no SeriesInstanceUID", context)


def _series_for(staging, ds, images):
    described = _new_series(ds, str(ds.SeriesInstanceUID))
    sort = tuple(images[0].meta.get("sort") or ()) if images else ()
    described.key = (sort, described.rows, described.columns, described.photometric)
    series = staging.series.setdefault(described.uid, described)
    series.describe_by(described)
    series.burned_in = series.burned_in or _may_show_burned_in_text(ds)
    return series


def _new_series(ds, uid):
    photometric = str(ds.get("PhotometricInterpretation", ""))
    return StagedSeries(
        uid=uid,
        study_uid=str(ds.get("StudyInstanceUID", "")),
        modality=str(ds.get("Modality", "OT")) or "OT",
        rows=int(ds.Rows),
        columns=int(ds.Columns),
        photometric=photometric,
        signed=int(ds.get("PixelRepresentation", 0)) == 1,
        pixel_spacing=_floats(frames.pixel_spacing(ds, 0)),
        slice_thickness=frames.slice_thickness(ds, 0),
        windows=[list(w) for w in frames.frame_windows(ds, 0)],
    )


def _may_show_burned_in_text(ds):
    return (
        str(ds.get("BurnedInAnnotation", "")).upper() == "YES"
        or str(ds.get("Modality", "")) in BURNED_IN_PRONE
        or str(ds.get("SOPClassUID", "")).startswith(SECONDARY_CAPTURE)
    )


def stage_frame(staging, ds, frame):
    decoded = frames.frame_pixels(ds, frame)  # once, for the picture and the stored values
    renditions = render(frames.to_picture(ds, frame, decoded), lossless=True)
    pixels = _stored_values(ds, frame, decoded)
    meta = {
        "rescale": list(frames.frame_rescale(ds, frame)),
        "windows": [list(w) for w in frames.frame_windows(ds, frame)],
        "position": _floats(frames.position(ds, frame)),
        "orientation": _floats(frames.orientation(ds, frame)),
        "spacing": _floats(frames.pixel_spacing(ds, frame)),
        "spacing_at_detector": frames.spacing_at_detector(ds, frame),
        "sort": list(frames.sort_key(ds, frame)),
        # Per frame, not per series: a series may mix layouts (Image.objects.review_frames()).
        "photometric": str(ds.get("PhotometricInterpretation", "")),
    }
    return _write_renditions(staging, renditions, frame, meta, pixels)


def _stored_values(ds, frame, decoded):
    """The viewer's windowing data, for grey images of up to 16 bits (others show as pictures)."""
    if ds.PhotometricInterpretation not in reading.GREY:
        return None
    try:
        return pixelstore.encode(frames.stored_values(ds, frame, decoded))
    except reading.DicomError as e:
        if e.code == "too_many_bits":
            return None
        raise


def _floats(values):
    return None if values is None else [float(v) for v in values]
