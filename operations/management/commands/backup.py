"""manage.py backup DEST: the database and every media file, with a manifest (operations/backups).
Safe while the site serves; run it from a timer (deploy/)."""

import time
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, database, manifest, media


class Command(BaseCommand):
    help = ("Back up the database and every file of the media storage into a new folder DEST, "
            "with a manifest of checksums. Not WORK_DIR: uploads in flight are not kept.")

    def add_arguments(self, parser):
        parser.add_argument("dest", help="a folder that does not exist yet, or an empty one")

    def handle(self, dest, **options):
        started = time.monotonic()
        try:
            folder = self.new_folder(dest)
            vendor = database.vendor()
            dump_name = database.DUMP_NAMES[vendor]
            # The database first: a file saved after the dump is an orphan in the restored
            # site (sweep_orphans removes it), while one deleted after it would be missing.
            database.dump(folder / dump_name)
            migrations = database.applied_migrations()
            files = media.copy_out(default_storage, folder / manifest.MEDIA_FOLDER)
            written = manifest.build(vendor, dump_name, manifest.file_sha256(folder / dump_name),
                                     migrations, files)
            manifest.write(folder, written)
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            f"Backed up the {vendor} database ({len(migrations)} migrations) and "
            f"{len(files)} media files ({written['media']['bytes']} bytes) into {folder} "
            f"in {time.monotonic() - started:.1f} s."
        )

    def new_folder(self, dest):
        folder = Path(dest)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise BackupError(f"{dest}: exists and is not an empty folder; each backup goes "
                              f"into a new one")
        folder.mkdir(parents=True, exist_ok=True)
        return folder
