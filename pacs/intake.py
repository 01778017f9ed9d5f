"""Received studies into draft cases: the one hand-off from the DICOM receiver and STOW-RS to the
upload entry point (viewer.uploads)."""

import hashlib
import hmac
import logging
import threading
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from dicom.archive import Member
from pacs.models import ReceivedStudy
from viewer.uploads import Upload, UploadReport, cleanup_unpublished

log = logging.getLogger("pacs")

# A PACS often sends one study over several associations (one per transfer syntax), handed over
# by as many threads at once: they take turns per study, so the later ones find the first one's
# draft instead of making their own. (Processes do not share these locks: two STOW-RS requests
# for one new study in two workers at the same moment may still make two drafts.)
# A fixed set of locks, a study's chosen by its key: bounded however long the receiver runs.
_STUDY_LOCKS = [threading.Lock() for _ in range(64)]


def study_key(study_uid):
    """A keyed hash of an original StudyInstanceUID: joins later sends, reveals nothing."""
    key = (settings.DEIDENTIFICATION_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, b"study\0" + study_uid.encode(), hashlib.sha256).hexdigest()


def take_study(files, contributor, *, study_uid, caller, source, refusals=()):
    """Add one received study to the contributor's draft case of it (made when new); returns
    the ReceivedStudy record. files are (name, path) pairs of DICOM files under WORK_DIR that
    the caller deletes afterwards; refusals are (name, reason) pairs refused on arrival.

    This runs in the caller's process today. Moving it onto a background job changes this one
    function: enqueue the call (the files must then outlive the caller's folder) and return the
    record, filled in by the job.
    """
    key = study_key(study_uid)
    with _STUDY_LOCKS[int(key[:8], 16) % len(_STUDY_LOCKS)]:
        record = _take(files, contributor, key, caller, source, refusals)
    _log(record)
    return record


def _take(files, contributor, key, caller, source, refusals):
    case = draft_for(contributor, key) or new_draft(contributor, caller)
    upload = Upload(case, skip_bad=True, accept_pictures=False)
    with cleanup_unpublished():
        upload.stage([_member(name, path) for name, path in files])
        with transaction.atomic():
            report = _publish(upload, case)
            record = ReceivedStudy.objects.create(
                source=source,
                caller=caller,
                contributor=contributor,
                case=case if case.pk else None,
                study_key=key,
                instances_received=len(files) + len(refusals),
                images_added=report.added,
                refusals=[list(pair) for pair in [*refusals, *report.skipped]],
            )
    return record


def draft_for(contributor, key):
    """The contributor's draft that an earlier send of this study became, if still a draft."""
    earlier = (
        ReceivedStudy.objects.filter(
            contributor=contributor,
            study_key=key,
            case__author=contributor,
            case__status=Case.Status.DRAFT,
        )
        .select_related("case")
        .order_by("-id")
        .first()
    )
    return earlier.case if earlier else None


def new_draft(contributor, caller):
    title = f"Received from {caller}, {timezone.localdate():%d %b %Y}"
    return Case(title=title, author=contributor, status=Case.Status.DRAFT)


def _publish(upload, case):
    """The case is saved only when there is something to put in it."""
    if upload.empty:
        return UploadReport(0, list(upload.staging.skipped))
    case.save()
    return upload.publish()


def _member(name, path):
    return Member(name, partial(open, path, "rb"), path.stat().st_size)


def _log(record):
    log.info(
        "%s from %s: %d received, %d image(s) added to case %s, %d refused",
        record.get_source_display(), record.caller, record.instances_received,
        record.images_added, record.case_id, record.refused,
    )
    for name, reason in record.refusals:
        log.warning("refused %s from %s: %s", name, record.caller, reason)
