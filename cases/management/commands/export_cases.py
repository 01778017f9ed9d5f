"""Export cases, with their images, as a portable bundle (docs/bundle.md)."""

from django.core.management.base import BaseCommand, CommandError

from cases.bundle import export
from cases.models import Case


class Command(BaseCommand):
    help = (
        "Write cases and their images to a .zip bundle (docs/bundle.md) that import_cases "
        "reads on another site: `export_cases 12 15 out.zip` or `export_cases --all out.zip`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "items", nargs="+", metavar="ID ... OUT.zip", help="Case ids, then the bundle to write."
        )
        parser.add_argument(
            "--all", action="store_true", dest="all_cases", help="Export every case."
        )

    def handle(self, *args, items, all_cases, **options):
        *ids, out = items
        cases = self.get_cases(ids, all_cases)
        count = export(cases, out)
        self.stdout.write(f"Exported {count} case(s) to {out}.")

    def get_cases(self, ids, all_cases):
        if all_cases == bool(ids):
            raise CommandError("Give case ids or --all (not both), then the bundle to write.")
        cases = Case.objects.select_related("author", "anatomy", "category")
        cases = cases.order_by("created", "pk")
        if all_cases:
            return list(cases)
        try:
            wanted = {int(pk) for pk in ids}
        except ValueError:
            raise CommandError(f"Case ids are numbers: {' '.join(ids)}") from None
        found = list(cases.filter(pk__in=wanted))
        missing = sorted(wanted - {case.pk for case in found})
        if missing:
            raise CommandError(f"No case {', '.join(map(str, missing))}.")
        return found
