"""The one way files become images of a case, whoever sends them: the upload jobs of the admin,
import_study and bundle imports (viewer/jobs.py), seed_demo, the benchmarks and the tests.

    report = add_files(case, files, study=study)

puts the steps together: the limits of the settings, the case's de-identification context,
staging (viewer.ingest; a folder in worker processes, viewer.processes), publishing in one
transaction (viewer.publishing) and the deletion of files no row came to refer to
(viewer.staging.cleanup_unpublished). A caller that stages and publishes at different moments
holds an Upload: a job stages its files, reporting progress, then publishes them with its end.
"""

import os
from dataclasses import dataclass, field

from django.db import transaction

from dicom.archive import Member
from viewer.ingest import IngestLimits, already_in, deid_context, members_of, stage
from viewer.processes import stage_folder
from viewer.publishing import publish
from viewer.staging import Staging, cleanup_unpublished

__all__ = ["Upload", "UploadReport", "add_files", "cleanup_unpublished"]


@dataclass
class UploadReport:
    added: int = 0  # images (a multi-frame DICOM file gives one a frame)
    skipped: list = field(default_factory=list)  # (file name, reason): duplicates, unwanted kinds


class Upload:
    """Files on their way into a case: stage() them (as often as needed), then publish() once.

    known(fingerprint) says a DICOM instance is already here (default: in this case); with
    skip_bad a bad file is listed in the report instead of refusing the upload; without
    accept_pictures a JPEG or PNG is skipped (import_study takes DICOM only). Staging raises
    IngestError, naming the file, and leaves nothing behind.
    """

    def __init__(
        self, case, *, known=None, skip_bad=False, accept_pictures=True, jobs=1, isolate=False
    ):
        self.case = case
        self.limits = IngestLimits.from_settings()
        self.options = {
            "known": already_in(case) if known is None else known,
            "skip_bad": skip_bad,
            "accept_pictures": accept_pictures,
        }
        self.jobs = max(1, jobs)
        self.isolate = isolate  # a folder is read in worker processes only (viewer.processes)
        self.staging = Staging()

    def stage(self, files, progress=None):
        """Stage files: a folder or .zip path (read in `jobs` processes), or a list of uploaded
        files or dicom.archive.Member (zips among them opened). Returns what this call staged;
        progress(done) is called after each file."""
        context = deid_context(self.case)
        if isinstance(files, (str, os.PathLike)):
            staged = stage_folder(
                files, context, self.limits, jobs=self.jobs, progress=progress,
                isolate=self.isolate, chunk=self.chunk, **self.options,
            )
        else:
            staged = stage(self._members(files), context, self.limits, progress=progress,
                           **self.options)  # fmt: skip
        self.staging.absorb(staged)
        return staged

    @property
    def chunk(self):
        """Files a worker process stages at a time: fewer when isolated, so that progress is
        told often (a job's page) and a crash costs a little work."""
        return 8 if self.isolate else 32

    def _members(self, files):
        files = list(files)
        if all(isinstance(one, Member) for one in files):
            return files
        return members_of(files, self.limits)

    @property
    def empty(self):
        """Nothing staged to publish (every file skipped, or none given)."""
        return not (self.staging.pictures or self.staging.series)

    def publish(self, study=None, *, case=None):
        """The rows, all or none: pictures go to `study`, DICOM series to `study` when given,
        else to the case's study of their StudyInstanceUID. `case` publishes what was staged
        into another case (staged once, published many times: the browser tests)."""
        with transaction.atomic():
            added = publish(self.staging, case or self.case, study)
        return UploadReport(added, list(self.staging.skipped))


def add_files(case, files, *, study=None, progress=None, **options):
    """Stage and publish files (see Upload.stage) into the case; returns an UploadReport.

    Files of a refused or rolled-back upload are deleted at the end of the call, or at the end
    of the cleanup_unpublished() the caller holds around a larger transaction.
    """
    upload = Upload(case, **options)
    with cleanup_unpublished():
        upload.stage(files, progress)
        return upload.publish(study)
