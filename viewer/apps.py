import os

from django.apps import AppConfig
from django.conf import settings


class ViewerConfig(AppConfig):
    name = "viewer"
    verbose_name = "Images"

    def ready(self):
        from viewer import (
            annotation_admin,  # noqa: F401  (an annotation's versions, reverted)
            signals,  # noqa: F401  (stored files follow their rows)
        )
        from viewer.redaction import admin  # noqa: F401  (the redaction page, a series' own)

        # Django checks (files.E001) that the temporary upload folder exists; it is the
        # project's own (WORK_DIR), made on the first start.
        os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, exist_ok=True)
