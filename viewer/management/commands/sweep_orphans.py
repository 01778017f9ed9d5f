"""Delete what a crashed upload left: stored files no row refers to and no live staging is
writing, Django's temporary upload files no live request holds, and folders of files received
from a PACS or over STOW-RS whose receiver died before handing them over (viewer/inflight.py);
the folders of upload jobs that ended or are gone (viewer/jobs.py), and their files in the object
store (viewer/job_files.py); and the stored handouts of deleted cases (cases/handouts.py).

What is in flight decides, not age: a dead process's files go at once, a live one's stay however
old. Run it at server start and from a timer (README: "Deployment").
"""

import shutil
from datetime import timedelta
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from cases import handouts
from cases.models import Case
from viewer import inflight, job_files, jobs, processes
from viewer.staging import referenced_names

FOLDERS = ("images", "dicom")


class Command(BaseCommand):
    help = (
        "Delete image and DICOM files that belong to no image and to no upload in flight, and "
        "temporary upload files of requests that ended without cleaning up (a crash), and files "
        "received from a PACS or over STOW-RS by a receiver that died before handing them over."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age",
            type=int,
            default=0,
            help="Also spare stored files younger than this many minutes: for storage shared "
            "with hosts whose WORK_DIR this one cannot see (default 0).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List, delete nothing.")

    def handle(self, *args, min_age, dry_run, verbosity, **options):
        self.dry_run, self.verbosity = dry_run, verbosity
        swept = (
            self.sweep_stored(min_age) + self.sweep_temporary_uploads() + self.sweep_incoming()
            + self.sweep_handouts() + self.sweep_job_folders() + self.sweep_stored_job_files()
        )
        self.say(f"{swept} orphaned file(s) {'found' if dry_run else 'deleted'}.")

    def sweep_stored(self, min_age):
        # In this order: a file listed before the journals are read is in a live one if its
        # staging lives; rows are read last, so a staging that committed and closed its journal
        # meanwhile has its rows seen.
        candidates = list(self.stored_files())
        live, dead = inflight.journals()
        cutoff = timezone.now() - timedelta(minutes=min_age)
        candidates = [
            name for name in candidates
            if name not in live and (not min_age or self.older_than(name, cutoff))
        ]
        orphans = sorted(set(candidates) - referenced_names(candidates))
        for name in orphans:
            self.delete(name, default_storage.delete)
        for journal in dead:
            if not self.dry_run:
                journal.unlink(missing_ok=True)
        self.say(f"{len(orphans)} orphaned file(s) of {len(candidates)} checked.")
        return len(orphans)

    def sweep_temporary_uploads(self):
        abandoned = inflight.abandoned_temporary_uploads()
        for path in abandoned:
            self.delete(str(path), lambda name: Path(name).unlink(missing_ok=True))
        return len(abandoned)

    def sweep_incoming(self):
        """Received files a dead receiver held: never stored, deleted with their folder."""
        abandoned = inflight.abandoned_incoming()
        for lock in abandoned:
            self.delete(str(lock.with_suffix("")), remove_received)
        return len(abandoned)

    def sweep_handouts(self):
        """The stored handouts of cases deleted since (a case's edits replace its own)."""
        folders, _ = handouts.listing(handouts.GENERATED)
        pks = {int(name.removeprefix("case-")) for name in folders if name.startswith("case-")}
        gone = pks - set(Case.objects.filter(pk__in=pks).values_list("pk", flat=True))
        names = [
            f"{handouts.folder(pk)}/{name}" for pk in sorted(gone)
            for name in handouts.listing(handouts.folder(pk))[1]
        ]
        for name in names:
            self.delete(name, default_storage.delete)
        return len(names)

    def sweep_job_folders(self):
        """Folders of jobs done, discarded or deleted (with their case), and the marks of staging
        processes that were killed. A job's folder without a job may be a request's still writing
        it, before its job is committed: spared for an hour."""
        folders = jobs.ended_job_folders(spare_unknown_for=timedelta(hours=1))
        folders += processes.abandoned_marks()  # the names a killed job's processes were reading
        for folder in folders:
            self.delete(str(folder), lambda name: shutil.rmtree(name, ignore_errors=True))
        return len(folders)

    def sweep_stored_job_files(self):
        """The stored files of jobs done, discarded or deleted, never a queued, failed or running
        one's; a folder without a job is spared for an hour, like the local ones."""
        folders = job_files.ended_stored_jobs(spare_unknown_for=timedelta(hours=1))
        for folder in folders:
            self.delete(folder, default_storage.delete_folder)
        return len(folders)

    def delete(self, name, delete):
        if not self.dry_run:
            delete(name)
        self.say(f"{'would delete' if self.dry_run else 'deleted'} {name}")

    def say(self, line):
        if self.verbosity:  # -v 0 from cron: quiet unless it fails
            self.stdout.write(line)

    def stored_files(self):
        """The stored names under FOLDERS; on an object store listed flat, with the times they
        were written (repository/storage.py)."""
        self.modified = {}
        walk = getattr(default_storage, "walk", None)
        if walk is None:
            yield from self.listed_files()
            return
        for top in FOLDERS:
            for name, modified in walk(top):
                self.modified[name] = modified
                yield name

    def listed_files(self, folder=None):
        for top in [folder] if folder else FOLDERS:
            dirs, files = handouts.listing(top)
            yield from (f"{top}/{name}" for name in files)
            for sub in dirs:
                yield from self.listed_files(f"{top}/{sub}")

    def older_than(self, name, cutoff):
        modified = self.modified.get(name) or default_storage.get_modified_time(name)
        return modified < cutoff


def remove_received(folder):
    shutil.rmtree(folder, ignore_errors=True)
    Path(f"{folder}.lock").unlink(missing_ok=True)
