"""manage.py restore_drill: prove that the backups restore (operations/drill). Run it on the
site's host with the site's settings; it changes nothing of the site."""

import tempfile
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from operations.backups import manifest
from operations.drill import pages, serving
from operations.drill.databases import fresh_database


class Command(BaseCommand):
    help = ("Back up the running site, restore the backup into a fresh database and media "
            "folder, serve it with gunicorn, and check that a case's pages and image files are "
            "served with the same bytes as the running site's. Prints name: value unit lines.")

    def add_arguments(self, parser):
        parser.add_argument("--site", default="http://127.0.0.1:8000",
                            help="the running site, as nginx reaches it (gunicorn's bind)")
        parser.add_argument("--host", help="Host header to send (default: the first of "
                                           "ALLOWED_HOSTS)")
        parser.add_argument("--case", type=int, help="the case to compare (default: the "
                                                     "latest published case with images)")

    def handle(self, site, host, case, **options):
        host = host or next((h for h in settings.ALLOWED_HOSTS if "*" not in h), "127.0.0.1")
        try:
            compared = pages.case_to_compare(case)
        except LookupError as e:
            raise CommandError(str(e)) from None
        paths = pages.urls_of(compared)
        status = pages.fetch(site.rstrip("/"), paths[0], host)[0]
        if status != 200:
            raise CommandError(f"{site}{paths[0]} answered {status}: the drill reads the site "
                               f"as an anonymous visitor, over --site with Host {host}")
        with tempfile.TemporaryDirectory(prefix="restore-drill-") as folder:
            try:
                differing = self.drill(site.rstrip("/"), host, paths, Path(folder))
            except RuntimeError as e:  # the restore or the restored copy's server failed
                raise CommandError(str(e)) from None
        if differing:
            raise CommandError("the restored copy differs:\n" + "\n".join(differing))
        self.stdout.write(f"Case {compared.pk}: {len(paths)} pages and files served alike.")

    def drill(self, site, host, paths, folder):
        started = time.monotonic()
        call_command("backup", str(folder / "backup"), stdout=StringIO())
        self.figure("backup", time.monotonic() - started, "s")
        media = manifest.read(folder / "backup")["media"]
        self.figure("media files", media["file_count"], "files")
        self.figure("media size", media["bytes"] / 2**20, "MiB")
        with fresh_database(folder) as url:
            env = serving.restored_environment(url, folder, host)
            started = time.monotonic()
            serving.manage(env, "restore", str(folder / "backup"))
            self.figure("restore", time.monotonic() - started, "s")
            with serving.gunicorn(env, folder / "gunicorn.log") as restored:
                differing = pages.differences(site, restored, paths, host)
        self.figure("compared", len(paths), "urls")
        self.figure("differing", len(differing), "urls")
        return differing

    def figure(self, name, value, unit):
        shown = f"{value:.2f}" if isinstance(value, float) else value
        self.stdout.write(f"{name}: {shown} {unit}")
