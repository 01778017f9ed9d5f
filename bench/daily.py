"""The case of the day's pick at scale: how long a day's first request spends picking and
recording its case, day after day, on a large repository.

    .venv/bin/python bench/daily.py --database-url postgres://postgres@127.0.0.1:5432/NAME
                                    [--days 365]

Run against a database filled by `manage.py generate_cases` (100,000 cases). It asks for
--days consecutive days from today, as each day's first request would (cases/daily/picking.py:
the pick among the cases no day within 180 days shows, then its record), in one transaction
rolled back at the end: the database is left as it was found. Timing starts after 180 days, when
the window the pick skips is full.

Figures go to stdout as `name: value unit`: `pick_p50` and `pick_p95` (ms per day, nearest
rank), `pick_queries` (the most SQL queries one day took), `pick_plan_uses_index` (1 when
PostgreSQL's plan for the pick is a scan of the index case_random_id) and `published_cases`.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WINDOW = 180


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True,
                        help="postgres://user@host:port/name of a generated database")
    parser.add_argument("--days", type=int, default=365, help="consecutive days to pick")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from cases.daily import picking
    from cases.models import Case

    sys.path.insert(0, str(ROOT / "bench"))
    from common import machine_line

    print(machine_line())
    print(f"# {connection.vendor}, {args.days} days picked and recorded, rolled back")
    times, most = [], 0
    with transaction.atomic():
        first = picking.today()
        for n in range(args.days):
            day = first + timedelta(days=n)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                assert picking.case_of_the_day(day) is not None
                elapsed = (time.perf_counter() - started) * 1000
            most = max(most, len(queries))
            if n >= WINDOW:
                times.append(elapsed)
        last = first + timedelta(days=args.days)
        plan = picking.candidates(last).filter(random_key__gte=picking.point_of(last))[:1].explain()
        published = Case.objects.published().count()
        transaction.set_rollback(True)
    times.sort()
    p95 = times[max(0, -(-len(times) * 95 // 100) - 1)] if times else 0
    print(f"pick_p50: {statistics.median(times) if times else 0:.2f} ms")
    print(f"pick_p95: {p95:.2f} ms")
    print(f"pick_queries: {most} queries")
    print(f"pick_plan_uses_index: {int('case_random_id' in plan)} bool")
    print(f"published_cases: {published} cases")
    print("# plan: " + " | ".join(line.strip() for line in plan.splitlines()))


if __name__ == "__main__":
    main()
