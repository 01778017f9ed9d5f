"""A cover chosen before its series was flagged for burned-in text (or the first image, taken
as the cover when such a series was added to a case already published) gives way to the first
image readers may see, as Case.ensure_cover() now keeps it."""

from django.db import migrations
from django.db.models import Q

ORDER = ("study__position", "study_id", "series__position", "position", "id")


def covers_readers_may_see(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Image = apps.get_model("viewer", "Image")
    cleared = Q(series__burned_in=False) | Q(series__burned_in_confirmed_at__isnull=False)
    awaiting = Q(cover_image__series__burned_in=True, cover_image__series__burned_in_confirmed_at=None)
    for case in Case.objects.filter(awaiting).only("pk"):
        first = Image.objects.filter(cleared, study__case=case).order_by(*ORDER).first()
        Case.objects.filter(pk=case.pk).update(cover_image=first)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_content_version_in_the_database"),
        ("viewer", "0003_pixels_v2"),
    ]

    operations = [migrations.RunPython(covers_readers_may_see, migrations.RunPython.noop)]
