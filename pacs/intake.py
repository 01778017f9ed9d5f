"""Received studies into draft cases: the one hand-off from the DICOM receiver and STOW-RS to the
upload jobs (viewer.jobs), which de-identify, stage and publish them in the background like any
other upload, before anything is stored.

take_study runs in the receiver's process (its thread, or the STOW-RS request) and only decides
and records: in one transaction it chooses the study's draft (an earlier send's, or a new one),
moves the files into a job's folder, records the ReceivedStudy and enqueues the job. The job
completes the record when it publishes (record_outcome, on viewer.jobs.upload_done).
"""

import hashlib
import hmac
import logging
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from pacs.models import ReceivedStudy
from viewer import jobs

log = logging.getLogger("pacs")

# A PACS often sends one study over several associations (one per transfer syntax), handed over
# by as many threads at once: they take turns per study, so that the later ones find the first
# one's draft instead of making their own, even though the jobs filling it run later. Across
# processes (STOW-RS in several web workers) the contributor's row, locked for the hand-over's
# transaction, does the same on PostgreSQL; SQLite has one writer at a time anyway.
# A fixed set of locks, a study's chosen by its key: bounded however long the receiver runs.
_STUDY_LOCKS = [threading.Lock() for _ in range(64)]


def study_key(study_uid):
    """A keyed hash of an original StudyInstanceUID: joins later sends, reveals nothing."""
    key = (settings.DEIDENTIFICATION_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, b"study\0" + study_uid.encode(), hashlib.sha256).hexdigest()


def take_study(files, contributor, *, study_uid, caller, source, refusals=()):
    """Hand one received study to a job adding it to the contributor's draft case of it (made
    now when new); returns the ReceivedStudy record, which the job completes when it publishes.
    files are (name, path) pairs of DICOM files under WORK_DIR, moved away into the job's
    folder; refusals are (name, reason) pairs refused on arrival."""
    key = study_key(study_uid)
    with _STUDY_LOCKS[int(key[:8], 16) % len(_STUDY_LOCKS)], transaction.atomic():
        record = _take(files, contributor, key, caller, source, refusals)
    _log(record, refusals)
    record.refresh_from_db()  # a backend running jobs at once has completed it already
    return record


def _take(files, contributor, key, caller, source, refusals):
    record = ReceivedStudy(
        source=source, caller=caller, contributor=contributor, study_key=key,
        instances_received=len(files) + len(refusals), refusals=[list(one) for one in refusals],
    )  # fmt: skip
    if not files:  # all refused on arrival: a record of why, and no case
        record.save()
        return record
    get_user_model().objects.select_for_update().filter(pk=contributor.pk).first()
    record.case = draft_for(contributor, key) or new_draft(contributor, caller)
    record.job = jobs.receive_files(record.case, contributor, files)
    record.save()
    jobs.enqueue(record.job)  # after the record: a job run at once completes it
    return record


def draft_for(contributor, key):
    """The contributor's draft that an earlier send of this study became, if still a draft; its
    row locked, so that a job finding it empty does not delete it meanwhile (viewer.jobs)."""
    earlier = (
        ReceivedStudy.objects.filter(
            contributor=contributor,
            study_key=key,
            case__author=contributor,
            case__status=Case.Status.DRAFT,
        )
        .order_by("-id")
        .values_list("case", flat=True)
        .first()
    )
    if earlier is None:
        return None
    return Case.objects.select_for_update().filter(pk=earlier, status=Case.Status.DRAFT).first()


def new_draft(contributor, caller):
    """Made at hand-over, so that later sends join it before its job runs; a job whose files
    were all refused deletes it again if nothing else fills it (viewer.jobs)."""
    title = f"Received from {caller}, {timezone.localdate():%d %b %Y}"
    return Case.objects.create(title=title, author=contributor, status=Case.Status.DRAFT)


def record_outcome(sender, job, **kwargs):
    """viewer.jobs.upload_done: the received study's record completed by its job, in the job's
    publishing transaction (images added, files refused by staging with their reasons)."""
    record = ReceivedStudy.objects.filter(job=job).first()
    if record is None:  # another kind of upload
        return
    record.images_added = job.added
    record.refusals = [*record.refusals, *([one["file"], one["reason"]] for one in job.skipped)]
    record.save(update_fields=["images_added", "refusals"])
    log.info("%s from %s: %d image(s) added to case %s", record.get_source_display(),
             record.caller, record.images_added, record.case_id)  # fmt: skip
    for one in job.skipped:
        log.warning("refused %s from %s: %s", one["file"], record.caller, one["reason"])


def _log(record, refusals):
    log.info(
        "%s from %s: %d received, %d refused on arrival, upload job %s for case %s",
        record.get_source_display(), record.caller, record.instances_received, len(refusals),
        record.job_id, record.case_id,
    )
    for name, reason in refusals:
        log.warning("refused %s from %s: %s", name, record.caller, reason)
