"""Import a folder tree or .zip of DICOM into a draft case (or an existing one), as an upload job
(viewer/jobs.py) that the background worker runs; the command follows it to the end unless
--no-wait."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.models import Case
from dicom.archive import ArchiveError, walk_folder
from viewer import jobs
from viewer.ingest import IngestLimits
from viewer.models import UploadJob


class Command(BaseCommand):
    help = (
        "Import DICOM files from a folder tree or .zip: de-identified, grouped into studies and "
        "series, added to a new draft case or to --case. Files already imported are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A folder, a .zip, or one DICOM file.")
        parser.add_argument("--author", required=True, help="Username of the contributor.")
        parser.add_argument("--case", type=int, help="Add to this case instead of a new draft.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="Processes that read and render the files (default: one per core).",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="Queue the import and return; its page in the admin shows how far it got.",
        )

    def handle(self, *args, path, author, case, jobs, no_wait, **options):
        user = self.get_author(author)
        target = self.get_case(case, user) if case else None
        total = self.count(path, IngestLimits.from_settings())
        job = self.submit(target, user, path, jobs)
        if no_wait:
            self.stdout.write(f"Queued as upload {job.pk}: {self.admin_url(job)}")
            return
        job = self.follow(job, self.progress_bar(total))
        self.report(job, total)

    def get_author(self, username):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No account named {username!r}.") from None

    def get_case(self, pk, user):
        case = Case.objects.filter(pk=pk).first()
        if case is None:
            raise CommandError(f"No case {pk}.")
        if not case.is_editable_by(user):
            raise CommandError(f"{user.username} may not edit case {pk}.")
        return case

    def submit(self, case, user, path, processes):
        title = f"Imported study, {timezone.localdate():%d %b %Y}"
        return jobs.submit_folder(case, user, path, title=title, processes=processes)

    def admin_url(self, job):
        return job.get_absolute_url()

    def follow(self, job, show):
        """Wait for the worker to end the job, showing its progress; the job as it ended."""
        hint = "Waiting for the background worker (manage.py db_worker)..."
        hinted = []

        def waiting(job):
            if not hinted:
                self.stderr.write(hint)
                hinted.append(True)

        job = jobs.wait_for(job, running=lambda job: show(job.done), waiting=waiting)
        if job.state == UploadJob.State.DONE:
            show(job.total)
        return job

    def count(self, path, limits):
        """How many files there are, checking the tree (limits, zip safety) before any work."""
        try:
            return sum(1 for _ in walk_folder(path, limits.archive))
        except (ArchiveError, OSError) as e:
            raise CommandError(str(e)) from None

    def progress_bar(self, total):
        stream = sys.stderr
        step = max(1, total // 50)

        shown = set()

        def show(done):
            if done in shown or (done % step and done != total):
                return
            shown.add(done)
            filled = 30 * done // max(total, 1)
            stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} files")
            if done == total:
                stream.write("\n")
            stream.flush()

        return show

    def report(self, job, total):
        if job.state != UploadJob.State.DONE:
            error = job.errors[0] if job.errors else {"file": "", "reason": job.state}
            name = f"{error['file']}: " if error["file"] else ""
            raise CommandError(
                f"Upload {job.pk} {job.state}, nothing imported: {name}{error['reason']} "
                f"(retry or discard it: {self.admin_url(job)})"
            )
        imported, added, case = total - len(job.skipped), job.added, job.case
        if case is not None:
            self.stdout.write(
                f"Imported {imported} of {total} file(s), {added} image(s), into case {case.pk} "
                f"({case.get_status_display().lower()}): {case.get_admin_url()}"
            )
        else:
            self.stdout.write(f"Nothing imported from {total} file(s); no case was created.")
        for skipped in job.skipped:
            self.stdout.write(f"  skipped {skipped['file']}: {skipped['reason']}")
