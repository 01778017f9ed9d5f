from django.apps import AppConfig


class PacsConfig(AppConfig):
    name = "pacs"
    verbose_name = "PACS and DICOMweb"

    def ready(self):
        # The upload job of a received study completes its record (pacs imports viewer, never
        # the other way round).
        from pacs.intake import record_outcome
        from viewer.jobs import upload_done

        upload_done.connect(record_outcome, dispatch_uid="pacs.intake.record_outcome")
