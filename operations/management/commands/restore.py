"""manage.py restore SRC: a backup (manage.py backup) into an empty database and an empty media
storage, checked against its manifest before anything is written and again after."""

import time
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db.migrations.loader import MigrationLoader

from operations.backups import BackupError, database, manifest, media


class Command(BaseCommand):
    help = ("Restore a backup folder SRC into an empty database and an empty media storage "
            "(refused otherwise), then check what was restored against its manifest.")

    def add_arguments(self, parser):
        parser.add_argument("src", help="a folder written by manage.py backup")

    def handle(self, src, **options):
        started = time.monotonic()
        try:
            backup = self.checked_backup(src)
            self.check_targets(backup)
            database.restore(Path(src, backup["database"]["file"]))
            files = backup["media"]["files"]
            media.copy_in(default_storage, Path(src, backup["media"]["folder"]), files)
            self.check_restored(backup)
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            f"Restored the backup of {backup['created']} (version {backup['app_version']}): "
            f"{len(backup['migrations'])} migrations, {len(files)} media files, checked "
            f"against its manifest, in {time.monotonic() - started:.1f} s."
        )
        if self.unapplied():
            self.stdout.write("This version has newer migrations: run manage.py migrate.")

    def checked_backup(self, src):
        backup = manifest.read(src)
        damaged = manifest.damaged(src, backup)
        if damaged:
            shown = ", ".join(damaged[:5]) + (" ..." if len(damaged) > 5 else "")
            raise BackupError(f"{src}: {len(damaged)} files differ from the manifest: {shown}")
        return backup

    def check_targets(self, backup):
        unknown = set(backup["migrations"]) - self.known_migrations()
        if unknown:
            raise BackupError(f"the backup's database has migrations this version does not know "
                              f"({', '.join(sorted(unknown)[:5])}): restore with the version "
                              f"that made it ({backup['app_version']}) or newer")
        if backup["database"]["vendor"] != database.vendor():
            raise BackupError(f"the backup is of a {backup['database']['vendor']} database; "
                              f"DATABASE_URL names a {database.vendor()} one")
        if not database.is_empty():
            raise BackupError("the database is not empty: restore into a new, empty database "
                              "(no migrate before it), so that nothing of it is overwritten")
        if not media.is_empty(default_storage):
            raise BackupError("the media storage is not empty: restore into a new, empty "
                              "MEDIA_ROOT (or bucket), so that no file of it is overwritten")

    def check_restored(self, backup):
        if database.applied_migrations() != backup["migrations"]:
            raise BackupError("the restored database's migrations differ from the manifest's")
        wrong = media.mismatches(default_storage, backup["media"]["files"])
        if wrong:
            raise BackupError(f"{len(wrong)} restored media files differ from the manifest: "
                              f"{', '.join(wrong[:5])}")

    def known_migrations(self):
        loader = MigrationLoader(None, ignore_no_migrations=True)
        return {f"{app}.{name}" for app, name in loader.disk_migrations}

    def unapplied(self):
        return self.known_migrations() - set(database.applied_migrations())
