"""The DICOM storage SCP (PS3.4 B, C-STORE; A, C-ECHO) that `manage.py dicom_receiver` runs.

A PACS sends a study to our AE title; its calling AE title must be an active CallingAE, or the
association is rejected at once (A-ASSOCIATE-RJ, "calling AE title not recognised"). Each
association's instances are kept in a Reception and handed over (pacs.intake: to an upload job,
which the worker runs) when it ends: released, aborted, or idle for DICOM_IDLE_SECONDS (the
network timeout aborts it). The limits protect the server:
PDU size, concurrent associations, instances, bytes and seconds per association.
"""

import functools
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)
from pynetdicom import AE, evt
from pynetdicom.sop_class import _STORAGE_CLASSES, Verification

from dicom.decoders import DECODED_SYNTAXES
from pacs.models import CallingAE, ReceivedStudy
from pacs.reception import Reception, Refused

log = logging.getLogger("pacs")

# PS3.4 Annex B status codes a C-STORE answers with.
SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700
DOES_NOT_MATCH_SOP_CLASS = 0xA900
CANNOT_UNDERSTAND = 0xC000

# The storage SOP classes that hold images (RT Image included, like the upload pipeline);
# reports, presentation states, waveforms and the like are not negotiated at all.
IMAGE_STORAGE = sorted(
    uid for name, uid in _STORAGE_CLASSES.items()
    if "Image" in name or name == "EnhancedUSVolumeStorage"
)
# What the upload pipeline reads: uncompressed, deflated, and each compression that
# dicom.decoders gives a decoder.
TRANSFER_SYNTAXES = [
    ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian, *sorted(DECODED_SYNTAXES),
]  # fmt: skip


@dataclass(frozen=True)
class Limits:
    max_pdu: int
    max_associations: int
    max_instances: int
    max_bytes: int
    max_instance_bytes: int
    idle_seconds: int
    max_seconds: int

    @classmethod
    def from_settings(cls):
        return cls(
            max_pdu=settings.DICOM_MAX_PDU,
            max_associations=settings.DICOM_MAX_ASSOCIATIONS,
            max_instances=settings.DICOM_MAX_INSTANCES,
            max_bytes=settings.DICOM_MAX_ASSOCIATION_MB * 1024 * 1024,
            max_instance_bytes=settings.MAX_UPLOAD_MB * 1024 * 1024,
            idle_seconds=settings.DICOM_IDLE_SECONDS,
            max_seconds=settings.DICOM_MAX_ASSOCIATION_SECONDS,
        )


def closing_connections(handler):
    """pynetdicom runs handlers in threads of each association's own, which end with it: the
    database connections a handler opened are closed when it returns, never left to linger."""

    @functools.wraps(handler)
    def run(*args):
        try:
            return handler(*args)
        finally:
            connections.close_all()

    return run


class KnownCallersAE(AE):
    """An AE that accepts associations only from active CallingAE titles, read per request so
    that the admin's changes apply at once."""

    @property
    @closing_connections
    def require_calling_aet(self):
        # pynetdicom accepts anyone when the list is empty: an impossible title instead.
        return CallingAE.objects.titles() or ["\\"]

    @require_calling_aet.setter
    def require_calling_aet(self, titles):
        pass  # AE.__init__ sets it; the database decides


class Receiver:
    """The storage SCP; start() serves until shutdown() (or forever, blocking)."""

    def __init__(self, ae_title=None, limits=None, on_taken=None):
        self.limits = limits or Limits.from_settings()
        self.on_taken = on_taken  # called with an association's records once handed over
        self.ae = self._make_ae(ae_title or settings.DICOM_AE_TITLE)
        self.receptions = {}
        self.lock = threading.Lock()
        self.server = None

    def _make_ae(self, ae_title):
        ae = KnownCallersAE(ae_title)
        ae.maximum_pdu_size = self.limits.max_pdu
        ae.maximum_associations = self.limits.max_associations
        ae.network_timeout = self.limits.idle_seconds
        ae.add_supported_context(Verification)
        for sop_class in IMAGE_STORAGE:
            ae.add_supported_context(sop_class, TRANSFER_SYNTAXES)
        return ae

    def handlers(self):
        return [
            (evt.EVT_ACCEPTED, self.on_accepted),
            (evt.EVT_C_ECHO, lambda event: SUCCESS),
            (evt.EVT_C_STORE, self.on_store),
            (evt.EVT_DATA_RECV, self.on_data),
            (evt.EVT_CONN_CLOSE, self.on_close),
        ]

    def start(self, address, block=True):
        log.info("receiving as %s on %s:%d", self.ae.ae_title, *address)
        self.server = self.ae.start_server(address, block=block, evt_handlers=self.handlers())
        return self.server

    def shutdown(self):
        self.ae.shutdown()

    # --- events, in threads of each association's own ---------------------------------------

    @closing_connections
    def on_accepted(self, event):
        title = event.assoc.requestor.ae_title.strip()
        caller = CallingAE.objects.active().select_related("contributor").get(ae_title=title)
        reception = Reception(caller.contributor, title, ReceivedStudy.Source.DIMSE)
        timer = threading.Timer(self.limits.max_seconds, self._too_long, (event.assoc, title))
        timer.daemon = True
        with self.lock:
            self.receptions[event.assoc] = (reception, timer)
        timer.start()

    def on_data(self, event):
        """Count the bytes as they arrive: past either limit the association is aborted, so one
        caller cannot fill the disk, nor the memory (pynetdicom holds a data set in memory until
        it is whole: one larger than MAX_UPLOAD_MB is cut short)."""
        reception = self._reception(event.assoc)
        if reception is None:
            return
        reception.received_bytes += len(event.data)
        reception.pending_bytes += len(event.data)
        too_much = (
            reception.received_bytes > self.limits.max_bytes
            or reception.pending_bytes > self.limits.max_instance_bytes
        )
        if too_much and not event.assoc.is_aborted:
            log.warning("aborting %s: more bytes than its limits", reception.caller)
            threading.Thread(target=event.assoc.abort, daemon=True).start()

    def on_store(self, event):
        reception = self._reception(event.assoc)
        if reception is None:  # its caller was deactivated as it associated
            return OUT_OF_RESOURCES
        # The connection may close (an abort, a timeout) while an instance is being kept: the
        # hand-over waits for it, and nothing is kept after it.
        with reception.lock:
            if reception.handed_over:
                return OUT_OF_RESOURCES
            return self._store(reception, event)

    def _store(self, reception, event):
        reception.pending_bytes = 0  # this instance is whole: the next one counts from here
        if len(reception.arrivals) >= self.limits.max_instances:
            reception.note_refused("too_many", "more instances than one association may send")
            return OUT_OF_RESOURCES
        try:
            reception.receive(event.encoded_dataset())
        except Refused as e:
            unreadable = e.code in ("not_dicom", "corrupt", "truncated")
            return CANNOT_UNDERSTAND if unreadable else DOES_NOT_MATCH_SOP_CLASS
        return SUCCESS

    @closing_connections
    def on_close(self, event):
        with self.lock:
            reception, timer = self.receptions.pop(event.assoc, (None, None))
        if reception is not None:
            timer.cancel()
            with reception.lock:
                reception.handed_over = True
            self._hand_over(reception)

    def _hand_over(self, reception):
        try:
            records = reception.hand_over()
        except Exception:
            # The receiver keeps running: the association's files are gone with its folder,
            # and the reason is in the log.
            log.exception("could not take the study from %s", reception.caller)
            records = []
        if self.on_taken:
            self.on_taken(records)

    def _reception(self, assoc):
        with self.lock:
            return self.receptions.get(assoc, (None, None))[0]

    def _too_long(self, assoc, title):
        log.warning("aborting %s: longer than %d s", title, self.limits.max_seconds)
        assoc.abort()
