"""Import a folder tree or .zip of DICOM into a draft case (or an existing one)."""

import os
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from dicom.archive import ArchiveError, walk_folder
from viewer.ingest import already_in, known_among
from viewer.models import Instance
from viewer.uploads import Upload, UploadReport, cleanup_unpublished


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
            default=min(os.cpu_count() or 1, 4),
            help="Worker processes that read and render the files (default: the cores, up to 4).",
        )

    def handle(self, *args, path, author, case, jobs, **options):
        user = self.get_author(author)
        target = self.get_case(case, user) if case else self.new_case(user)
        upload = Upload(
            target,
            jobs=jobs,
            skip_bad=True,
            known=self.known_for(target, user),
            accept_pictures=False,
        )
        total = self.count(path, upload.limits)
        with cleanup_unpublished():
            upload.stage(path, progress=self.progress_bar(total))
            report = self.publish(upload, target)
        self.report(target, report, total)

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

    def new_case(self, user):
        title = f"Imported study, {timezone.localdate():%d %b %Y}"
        return Case(title=title, author=user, status=Case.Status.DRAFT)

    def count(self, path, limits):
        """How many files there are, checking the tree (limits, zip safety) before any work."""
        try:
            return sum(1 for _ in walk_folder(path, limits.archive))
        except (ArchiveError, OSError) as e:
            raise CommandError(str(e)) from None

    def known_for(self, case, user):
        """A file already imported: into this case, or (for a new case) into any of the author's."""
        if case.pk:
            return already_in(case)
        return known_among(Instance.objects.filter(series__study__case__author=user))

    @transaction.atomic
    def publish(self, upload, case):
        """The case is saved only when there is something to put in it."""
        if upload.empty:
            return UploadReport(0, list(upload.staging.skipped))
        case.save()
        return upload.publish()

    def progress_bar(self, total):
        stream = sys.stderr
        step = max(1, total // 50)

        def show(done):
            if done % step and done != total:
                return
            filled = 30 * done // max(total, 1)
            stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} files")
            if done == total:
                stream.write("\n")
            stream.flush()

        return show

    def report(self, case, report, total):
        imported, added = total - len(report.skipped), report.added
        if case.pk:
            self.stdout.write(
                f"Imported {imported} of {total} file(s), {added} image(s), into case {case.pk} "
                f"({case.get_status_display().lower()}): {case.get_admin_url()}"
            )
        else:
            self.stdout.write(f"Nothing imported from {total} file(s); no case was created.")
        for name, reason in report.skipped:
            self.stdout.write(f"  skipped {name}: {reason}")
