"""Put on the object store's bucket what the site needs of it: the CORS rule that lets the
viewer read stored values it is redirected to (repository/storage.py, CORS_RULE); with --create,
the bucket itself first. Run once when setting S3_BUCKET, and again after changing the bucket."""

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Put the CORS rule the image viewer needs on the S3_BUCKET bucket (and with --create, "
        "make the bucket first if it is missing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--create", action="store_true", help="Make the bucket if missing.")

    def handle(self, *args, create, **options):
        prepare = getattr(default_storage, "prepare_bucket", None)
        if prepare is None:
            raise CommandError("Media are on the local disk: set S3_BUCKET for an object store.")
        try:
            made = prepare(create=create)
        except (BotoCoreError, ClientError) as e:
            raise CommandError(f"The object store refused: {e}") from e
        bucket = default_storage.bucket_name
        self.stdout.write(f"{'Made bucket' if made else 'Bucket'} {bucket}: CORS rule set.")
