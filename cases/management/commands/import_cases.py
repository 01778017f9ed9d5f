"""Import a case bundle written by export_cases (docs/bundle.md): all of it, or nothing, as an
upload job (viewer/jobs.py) that the background worker runs; the command follows it to the end."""

from django.core.management.base import BaseCommand, CommandError

from viewer import jobs
from viewer.models import UploadJob


class Command(BaseCommand):
    help = (
        "Import the cases of a bundle (docs/bundle.md). The bundle is checked as a whole first; "
        "its images go through the upload pipeline (de-identified again). A case already here "
        "(same author, same creation time) is replaced. Nothing is imported if anything fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The bundle (.zip) written by export_cases.")
        parser.add_argument(
            "--author",
            help="Give the cases whose author has no account here to this account "
            "(by default such a bundle is refused).",
        )
        parser.add_argument(
            "--create-authors",
            action="store_true",
            help="Create the accounts of authors who have none here, without a usable password "
            "or admin access (an administrator grants them later). Takes precedence over --author.",
        )
        parser.add_argument("--as-draft", action="store_true", help="Import every case as a draft.")
        parser.add_argument(
            "--create-terms",
            action="store_true",
            help="Add the anatomy, categories and modalities this site lacks (else refused).",
        )

    def handle(self, *args, path, author, as_draft, create_terms, create_authors, **options):
        job = jobs.submit_bundle(
            path, author=author, as_draft=as_draft, create_terms=create_terms,
            create_authors=create_authors,
        )
        job = jobs.wait_for(job, running=lambda job: None, waiting=self.waiting)
        if job.state != UploadJob.State.DONE:
            error = job.errors[0] if job.errors else {"file": "", "reason": job.state}
            name = f"{error['file']}: " if error["file"] else ""
            raise CommandError(f"Nothing imported. {name}{error['reason']}")
        for one in job.imported:
            verb = "Updated" if one["updated"] else "Imported"
            self.stdout.write(f"{verb} case {one['case']}: {one['title']}")
        self.stdout.write(f"{len(job.imported)} case(s) from {path}.")

    def waiting(self, job):
        if not getattr(self, "hinted", False):
            self.stderr.write("Waiting for the background worker (manage.py db_worker)...")
            self.hinted = True
