"""What an upload staged: the files it wrote to storage and the metadata its rows will need.

A Staging is filled by viewer.ingest.stage() and emptied into rows by viewer.publishing.publish().
Files whose rows never came (a refused form, a rollback) are deleted when the cleanup_unpublished()
around the request or command ends, or by `manage.py sweep_orphans` after a crash: each staging
journals what it writes while it lives (viewer.inflight), so the sweep knows what is in flight.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db.models import Q

from viewer.inflight import Journal
from viewer.models import Image, Instance


@dataclass
class StagedImage:
    names: dict  # rendition kind -> storage name
    width: int
    height: int
    frame: int = 0
    meta: dict = field(default_factory=dict)
    source: str = ""  # the uploaded file's name, for messages


@dataclass
class StagedInstance:
    file_name: str
    sop_uid: str
    sop_class: str
    transfer_syntax: str
    fingerprint: str
    images: list
    source: str = ""  # the uploaded file's name, for messages


@dataclass
class StagedSeries:
    uid: str
    study_uid: str
    modality: str
    rows: int
    columns: int
    photometric: str
    signed: bool
    pixel_spacing: list | None
    slice_thickness: float | None
    windows: list
    burned_in: bool = False
    instances: list = field(default_factory=list)
    # Which file the fields above describe: the first in slice order (then by size), whatever
    # order the files were staged in, so a series of mixed files is described alike by every
    # upload of them (a bundle's import, a worker's share).
    key: tuple = ()

    def describe_by(self, other):
        """Take other's description if its file comes first."""
        if other.key < self.key:
            for name in DESCRIPTION:
                setattr(self, name, getattr(other, name))
            self.key = other.key


DESCRIPTION = (
    "study_uid", "modality", "rows", "columns", "photometric", "signed", "pixel_spacing",
    "slice_thickness", "windows",
)


@dataclass
class Staging:
    """What one upload wrote to storage, waiting for publish()."""

    pictures: list = field(default_factory=list)
    series: dict = field(default_factory=dict)  # de-identified SeriesInstanceUID -> StagedSeries
    skipped: list = field(default_factory=list)  # (file name, reason)
    written: list = field(default_factory=list)
    seen: set = field(default_factory=set)  # fingerprints staged in this upload
    journal: Journal | None = field(default=None, repr=False, compare=False)

    def __getstate__(self):
        """A worker's staging comes back without its journal: the parent records its names."""
        return {**self.__dict__, "journal": None}

    @property
    def image_count(self):
        frames = sum(len(i.images) for s in self.series.values() for i in s.instances)
        return len(self.pictures) + frames

    def write(self, name, content):
        """Save bytes, or a django File (streamed in chunks), under a name like `name`."""
        content = content if isinstance(content, File) else ContentFile(content)
        self.record([name])  # before the file: the sweep never sees a live staging's file unlisted
        try:
            stored = default_storage.save(name, content)
        except OSError:
            # A write that fails half-way (a full disk) leaves what it wrote under the name asked
            # for, which no other file has: every name is in a folder of its own upload's
            # (ingest._new_folder).
            default_storage.delete(name)
            raise
        if stored != name:
            self.record([stored])
        self.written.append(stored)
        return stored

    def record(self, names):
        """Journal the names as this live staging's (viewer.inflight)."""
        if self.journal is None:
            self.journal = Journal()
        self.journal.record(names)

    def close(self):
        """This staging's files are published or deleted: it is in flight no more."""
        if self.journal is not None:
            self.journal.close()
            self.journal = None

    def absorb(self, other):
        """Take in what another staging of the same upload (a worker's share) wrote."""
        if other.written:
            self.record(other.written)  # the worker that wrote them ends before this staging
        self.pictures += other.pictures
        for uid, series in other.series.items():
            series.instances = self._unseen(series.instances)
            if not series.instances:
                continue
            mine = self.series.setdefault(uid, series)
            if mine is not series:
                mine.describe_by(series)
                mine.instances += series.instances
                mine.burned_in = mine.burned_in or series.burned_in
        self.skipped += other.skipped
        self.written += other.written
        self.seen |= other.seen

    def _unseen(self, instances):
        """Instances not staged before by another share of this upload: the same file twice in a
        folder is imported once, whichever processes read the two (its second files, no row
        referring to them, are deleted with the upload's unpublished files)."""
        fresh = []
        for instance in instances:
            if instance.fingerprint in self.seen:
                self.skipped.append((instance.source, "already imported"))
            else:
                self.seen.add(instance.fingerprint)
                fresh.append(instance)
        return fresh

    def discard(self):
        """Delete every file this upload wrote: before publish(), no row refers to any."""
        for name in self.written:
            default_storage.delete(name)
        self.written = []

    def discard_unreferenced(self):
        """Delete the files this upload wrote that no row refers to."""
        referenced = referenced_names(self.written)
        for name in self.written:
            if name not in referenced:
                default_storage.delete(name)
        self.written = [name for name in self.written if name in referenced]


_open_stagings = ContextVar("open_stagings", default=None)


@contextmanager
def cleanup_unpublished():
    """Around a request or command: files of uploads that did not end up in rows are deleted.

    Inside another cleanup_unpublished() this one adds nothing: the outer one checks the files
    once its work (and the transaction it may roll back) is over.
    """
    if _open_stagings.get() is not None:
        yield
        return
    token = _open_stagings.set([])
    try:
        yield
    finally:
        for staging in _open_stagings.get():
            staging.discard_unreferenced()
            staging.close()
        _open_stagings.reset(token)


def register(staging):
    """Put a new staging in the care of the cleanup_unpublished() around it, if any."""
    open_stagings = _open_stagings.get()
    if open_stagings is not None:
        open_stagings.append(staging)
    return staging


def referenced_names(names):
    found = set()
    names = list(names)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        images = Image.objects.filter(
            Q(full__in=chunk) | Q(display__in=chunk) | Q(thumbnail__in=chunk) | Q(pixels__in=chunk)
        ).values_list("full", "display", "thumbnail", "pixels")
        found.update(name for row in images for name in row)
        found.update(Instance.objects.filter(file__in=chunk).values_list("file", flat=True))
    return found
