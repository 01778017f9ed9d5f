"""Run the DICOM storage SCP: studies sent from a PACS become draft cases (pacs/receiver.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from pacs.receiver import Receiver


class Command(BaseCommand):
    help = (
        "Receive studies sent from a PACS (C-STORE) and answer C-ECHO, on DICOM_AE_TITLE at "
        "DICOM_BIND:DICOM_PORT. Callers must be mapped to a contributor in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.DICOM_PORT)
        parser.add_argument("--bind", default=settings.DICOM_BIND)
        parser.add_argument("--ae-title", default=settings.DICOM_AE_TITLE)

    def handle(self, *args, port, bind, ae_title, **options):
        receiver = Receiver(ae_title)
        self.stdout.write(f"Receiving as {ae_title} on {bind}:{port} (Ctrl-C stops)")
        self.stdout.flush()
        try:
            receiver.start((bind, port), block=True)
        except KeyboardInterrupt:
            receiver.shutdown()
