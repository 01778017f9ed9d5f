"""`manage.py db_worker`: django-tasks-db's worker, polling the queue every TASKS_POLL_MS.

Its own default is a second, which an upload would wait for half of on average before its job
starts (a 1,000-slice study stages in about 16 s). This command takes the place of the library's
(viewer comes before django_tasks_db in INSTALLED_APPS, as staticfiles' runserver takes the
place of Django's) and changes nothing but that default: `--interval` still overrides it.
"""

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(interval=settings.TASKS_POLL_MS / 1000)
