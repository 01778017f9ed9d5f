"""Import a case bundle written by export_cases (docs/bundle.md): all of it, or nothing."""

from django.core.management.base import BaseCommand, CommandError

from cases.bundle import BundleError, import_bundle


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
        try:
            imported = import_bundle(
                path, author=author, as_draft=as_draft, create_terms=create_terms,
                create_authors=create_authors,
            )
        except BundleError as e:
            raise CommandError(f"Nothing imported. {e}") from None
        for one in imported:
            verb = "Updated" if one.updated else "Imported"
            self.stdout.write(f"{verb} case {one.case.pk}: {one.case.title}")
        self.stdout.write(f"{len(imported)} case(s) from {path}.")
