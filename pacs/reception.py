"""What one caller sends (an association, a STOW-RS request), held in a locked folder under
WORK_DIR (viewer.inflight.HeldFolder, so a crash leaves nothing sweep_orphans misses) until it is
handed over, study by study, to intake.take_study.

Each instance is checked as it arrives with the upload pipeline's own bounded reader, so a file
that is not a readable image fails alone, at once (its C-STORE status, its STOW-RS failure);
the rest of the pipeline's refusals (a frame no decoder reads, an instance already imported)
come from the upload job later, and show in its ReceivedStudy record and job page.
"""

import logging
import threading
from dataclasses import dataclass, field

from dicom import reading
from pacs.intake import take_study
from viewer.inflight import HeldFolder
from viewer.ingest import IngestLimits

log = logging.getLogger("pacs")


class Refused(Exception):
    def __init__(self, name, code, reason):
        super().__init__(f"{name}: {reason}")
        self.name, self.code, self.reason = name, code, reason


@dataclass
class Arrival:
    number: int
    sop_class: str = ""
    sop_uid: str = ""
    study_uid: str = ""
    reason: str = ""  # why it was refused, on arrival or by the upload
    code: str = ""

    @property
    def name(self):
        """How records name it (instance 3): never by a name from the file, which may identify
        the patient."""
        return f"instance {self.number}"


@dataclass
class Reception:
    contributor: object
    caller: str
    source: str
    limits: IngestLimits = field(default_factory=IngestLimits.from_settings)
    arrivals: list = field(default_factory=list)
    received_bytes: int = 0  # as the network delivered them (the receiver's limits)
    pending_bytes: int = 0  # of the instance on its way

    def __post_init__(self):
        self.folder = HeldFolder()
        self.lock = threading.Lock()  # held while an instance is kept (pacs.receiver)
        self.handed_over = False

    def receive(self, data):
        """Check and keep one instance (its Part 10 bytes); Refused if it is no readable image."""
        arrival = Arrival(len(self.arrivals) + 1)
        self.arrivals.append(arrival)
        try:
            ds = reading.read_dataset(data, self.limits.read)
            arrival.sop_class = str(ds.get("SOPClassUID", ""))
            arrival.sop_uid = str(ds.get("SOPInstanceUID", ""))
            arrival.study_uid = str(ds.get("StudyInstanceUID", ""))
            reading.check_image(ds, self.limits.read)
        except reading.DicomError as e:
            arrival.reason, arrival.code = e.reason, e.code
            log.warning("refused %s from %s: %s", arrival.name, self.caller, e.reason)
            raise Refused(arrival.name, e.code, e.reason) from None
        self._path(arrival).write_bytes(data)
        return arrival

    def note_refused(self, code, reason):
        """An instance refused before it was read (its part's type, one too many)."""
        arrival = Arrival(len(self.arrivals) + 1, reason=reason, code=code)
        self.arrivals.append(arrival)
        log.warning("refused %s from %s: %s", arrival.name, self.caller, reason)
        return arrival

    def refuse(self, arrival, code, reason):
        """Refuse an instance that was read (too many, another study than asked for)."""
        arrival.reason, arrival.code = reason, code
        self._path(arrival).unlink(missing_ok=True)
        log.warning("refused %s from %s: %s", arrival.name, self.caller, reason)

    def hand_over(self):
        """Each study received to intake (its files move into an upload job's folder); the
        ReceivedStudy records. The folder goes, whatever happens."""
        try:
            records = [self._take(study_uid, arrivals) for study_uid, arrivals in self._studies()]
        finally:
            self.folder.close()
        return records

    def close(self):
        self.folder.close()

    def _studies(self):
        """(study UID, its arrivals), in arrival order; unreadable files join the first."""
        studies = {}
        for arrival in self.arrivals:
            studies.setdefault(arrival.study_uid, []).append(arrival)
        unreadable = studies.pop("", [])
        if unreadable and studies:
            next(iter(studies.values())).extend(unreadable)
        elif unreadable:
            studies[""] = unreadable
        return studies.items()

    def _take(self, study_uid, arrivals):
        files = [(a.name, self._path(a)) for a in arrivals if not a.reason]
        refusals = [(a.name, a.reason) for a in arrivals if a.reason]
        return take_study(
            files, self.contributor, study_uid=study_uid, caller=self.caller,
            source=self.source, refusals=refusals,
        )  # fmt: skip

    def _path(self, arrival):
        return self.folder.path / f"{arrival.number:06d}.dcm"
