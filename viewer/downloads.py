"""Zip downloads of a case's (or one series') images for ImageJ/Fiji and DICOM viewers.

`plan()` decides what goes in and under which names, from the rows; `stream()` writes the zip as it
reads the stored files, so the first bytes leave at once and memory stays flat whatever the size.

Names come only from what both workflows show (study and series numbers, modality codes, image
counts): a folder never carries a description, and in the academic workflow the README carries no
caption or description either (cases.workflows.HIDDEN_IN_ACADEMIC).
"""

import re
import time
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage

from cases.workflows import STANDARD
from viewer.models import Image, Series

CHUNK = 256 * 1024
# Native (uncompressed) DICOM shrinks to ~64% at level 1, at ~90 MB/s; level 6 saves 1% more for
# twice the time. Encapsulated DICOM, PNG and JPEG are already compressed: stored as they are.
DEFLATE_LEVEL = 1
NATIVE_TRANSFER_SYNTAXES = {
    "1.2.840.10008.1.2",  # Implicit VR Little Endian
    "1.2.840.10008.1.2.1",  # Explicit VR Little Endian
    "1.2.840.10008.1.2.2",  # Explicit VR Big Endian (retired)
}


@dataclass(frozen=True)
class Member:
    name: str  # path inside the zip
    stored: str  # storage name
    deflate: bool = False


@dataclass
class Download:
    filename: str  # of the .zip, from ids only
    root: str  # the top folder inside it
    readme: str = ""
    members: list = field(default_factory=list)


# --- what goes in ------------------------------------------------------------------------------


def plan(case, workflow, series=None):
    """The download of every image of the case, or of one of its series: names, files, README.

    Folders are numbered as the case page orders studies and series, so a series downloaded alone
    has the same path as in the whole case's zip.
    """
    root = case_folder(case)
    download = Download(
        filename=f"{root}-series-{series.pk}-images.zip" if series else f"{root}-images.zip",
        root=root,
    )
    contents = []  # (folder, series, captions) for the standard README
    study_numbers = {pk: n for n, pk in enumerate(case.studies.values_list("pk", flat=True), 1)}
    all_series = list(_series_of(case))
    counts = {}
    for one in all_series:  # numbered within their study, as on the case page
        counts[one.study_id] = one.number = counts.get(one.study_id, 0) + 1
    for one in all_series:
        if series is not None and one.pk != series.pk:
            continue
        images = list(_images_of(one))
        if not images:
            continue
        folder = f"{root}/{_study_folder(one.study, study_numbers)}/{_series_folder(one, images)}"
        members, captions = _series_members(folder, images)
        download.members += members
        contents.append((folder, one, captions))
    download.readme = readme(case, workflow, contents)
    return download


def case_folder(case):
    return f"case-{case.pk}"


def _series_of(case):
    """The series readers may see, as the case page numbers them."""
    return (
        Series.objects.cleared()
        .filter(study__case=case)
        .select_related("study__modality")
        .order_by("study__position", "study_id", "position", "id")
    )


def _images_of(series):
    # Only the columns the zip needs: a 1,000-slice series is 1,000 small tuples.
    return (
        Image.objects.filter(series=series)
        .order_by("position", "id")
        .values_list(
            "full", "caption", "instance_id", "instance__file", "instance__transfer_syntax",
            named=True,
        )
    )


def _code(text):
    return re.sub(r"[^A-Za-z0-9]+", "", text or "") or "OT"


def _study_folder(study, numbers):
    return f"{numbers[study.pk]:02d}-{_code(study.modality.code)}-study"


def _series_folder(series, images):
    kind = f"{_code(series.modality or series.study.modality.code)}-series"
    if images[0].instance_id is None:
        kind = "pictures"
    return f"{series.number:02d}-{kind}-{len(images)}-images"


def _series_members(folder, images):
    """A DICOM series: each file once (IM0001.dcm...) in slice order, and png/ with each image.
    A picture series: its pictures. Returns the members and the (member name, caption) pairs."""
    width = max(4, len(str(len(images))))
    members, captions, seen = [], [], {}
    dicom = images[0].instance_id is not None
    for number, image in enumerate(images, 1):
        if dicom and image.instance_id not in seen:
            seen[image.instance_id] = name = f"{folder}/IM{len(seen) + 1:0{width}d}.dcm"
            deflate = image.instance__transfer_syntax in NATIVE_TRANSFER_SYNTAXES
            members.append(Member(name, image.instance__file, deflate))
        extension = image.full.rsplit(".", 1)[-1].lower()
        name = f"{folder}/{'png/' if dicom else ''}IM{number:0{width}d}.{extension}"
        members.append(Member(name, image.full))
        if image.caption.strip():
            captions.append((name, " ".join(image.caption.split())))
    return members, captions


def readme(case, workflow, contents):
    """What the folders hold and how to open them; in the standard workflow, also the study and
    series descriptions and the captions. Never a title, diagnosis or anything academic hides."""
    lines = [
        f"Case {case.pk}: images from {settings.SITE_NAME} ({workflow} workflow)",
        "",
        "Folders",
        "  NN-<modality>-study/                 one folder per study, in the case's order",
        "    NN-<modality>-series-N-images/     one per DICOM series:",
        "      IM0001.dcm, IM0002.dcm...        the DICOM files, de-identified (DICOM PS3.15",
        "                                       Annex E) before they were stored, in slice order",
        "                                       (a multi-frame file holds several images)",
        "      png/IM0001.png...                each image (frame) as a PNG, in the same order,",
        "                                       at the series' default window",
        "    NN-pictures-N-images/              pictures uploaded as PNG or JPEG",
        "",
        "Opening the images",
        "  ImageJ / Fiji: File > Import > Image Sequence... and choose a series folder for the",
        "    DICOM stack (or its png/ folder for the PNG stack); one file: File > Import > DICOM",
        "    (or drag it onto the window).",
        "  OsiriX / Horos: File > Import and choose the series (or case) folder, or drag the",
        "    folder onto the database window.",
        "  Weasis: File > Import > DICOM and choose the folder (or drag the folder onto it).",
        "  Most DICOM viewers open a series by importing its folder.",
    ]
    if workflow == STANDARD and contents:
        lines += ["", "Contents"]
        for folder, series, captions in contents:
            study = series.study
            about = _describe(study.modality.code, study.description, series.description)
            lines.append(f"  {folder.removeprefix(case_folder(case) + '/')}/: {about}")
            lines += [f"    {name.removeprefix(folder + '/')}: {text}" for name, text in captions]
    return "\n".join(lines) + "\n"


def _describe(*parts):
    return " / ".join(" ".join(part.split()) for part in parts if part and part.strip())


# --- the zip, streamed -------------------------------------------------------------------------


class _Pipe:
    """A write-only file without tell() or seek(): zipfile then writes each member's sizes and CRC
    in a data descriptor after its data, never going back, so bytes can leave as they are made."""

    def __init__(self):
        self._parts = []
        self.size = 0

    def write(self, data):
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self._parts)
        self._parts, self.size = [], 0
        return data


def stream(download, storage=default_storage, chunk=CHUNK):
    """The .zip's bytes, in pieces of about `chunk`: the README, then each member read from
    storage `chunk` bytes at a time. Holds one piece (and the zip's directory) in memory."""
    pipe = _Pipe()
    stamp = time.localtime()[:6]
    archive = zipfile.ZipFile(pipe, "w")
    with archive.open(_info(f"{download.root}/README.txt", stamp, True), "w") as member:
        member.write(download.readme.encode())
    for entry in download.members:
        with storage.open(entry.stored, "rb") as source, archive.open(
            _info(entry.name, stamp, entry.deflate), "w"
        ) as member:
            while data := source.read(chunk):
                member.write(data)
                if pipe.size >= chunk:
                    yield pipe.take()
    archive.close()  # writes the central directory
    yield pipe.take()


def _info(name, stamp, deflate):
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.external_attr = 0o644 << 16  # rw-r--r-- when unzipped (0 would mean no permission)
    if deflate:
        info.compress_type = zipfile.ZIP_DEFLATED
        # Per member; named compress_level from Python 3.13, which keeps this alias.
        info._compresslevel = DEFLATE_LEVEL
    return info
