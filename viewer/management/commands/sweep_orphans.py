"""Delete stored files that no row refers to: what a crash between staging and publishing left."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from viewer.staging import referenced_names

FOLDERS = ("images", "dicom")


class Command(BaseCommand):
    help = "Delete image and DICOM files that belong to no image (left by an interrupted upload)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            help="Only files older than this many minutes (uploads in progress are younger).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List, delete nothing.")

    def handle(self, *args, min_age, dry_run, **options):
        cutoff = timezone.now() - timedelta(minutes=min_age)
        candidates = [name for name in self.stored_files() if self.older_than(name, cutoff)]
        orphans = sorted(set(candidates) - referenced_names(candidates))
        for name in orphans:
            if not dry_run:
                default_storage.delete(name)
            self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {name}")
        self.stdout.write(f"{len(orphans)} orphaned file(s) of {len(candidates)} checked.")
        return None

    def stored_files(self, folder=None):
        for top in [folder] if folder else FOLDERS:
            if not default_storage.exists(top):
                continue
            dirs, files = default_storage.listdir(top)
            yield from (f"{top}/{name}" for name in files)
            for sub in dirs:
                yield from self.stored_files(f"{top}/{sub}")

    def older_than(self, name, cutoff):
        return default_storage.get_modified_time(name) < cutoff
