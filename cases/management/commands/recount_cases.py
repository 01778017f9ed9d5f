"""Count every published case again (cases/counts/): after changes made behind the signals'
back, such as an UPDATE in SQL or a restored table, which leave the counts as they were."""

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.caching import new_content_version
from cases.counts import keeping
from cases.counts.reading import statistics


class Command(BaseCommand):
    help = "Rebuild the counts browse pages, facets and the homepage read (cases/counts/)."

    def handle(self, *args, **options):
        with transaction.atomic():
            keeping.rebuild()
            new_content_version()  # pages cached with the old counts are not read again
        figures = statistics()
        self.stdout.write(f"Counted {figures['cases']} published case(s), "
                          f"{figures['images']} image(s).")
