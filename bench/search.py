"""Search pages computed afresh: the server time of a browse page with ?q= when the cache misses.

    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:5432/NAME
                                     [--repeat 7] [--query standard:pain ...]

Run against a database filled by `manage.py generate_cases` (e.g. one `bench/load.py --keep`
kept). Each page is requested through Django's test client in this process, with the cache off,
so every request counts the cases, the facets and the tags and ranks the page again: what the
first reader after a save waits, without the network. The first request of each page is a
warm-up and is not counted (it reads the tables into memory).

Figures go to stdout as `name: value unit`: per page `<workflow>_<word>_p50` and `_p95` (ms,
nearest rank over --repeat requests) and `_queries` (SQL queries the page ran).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The words bench/load.py searches for, and the other two of each kind: common (`pain`, in 69%
# of generated cases), rare (~1%) and misspelt.
QUERIES = [
    "standard:pain", "standard:scurvy", "standard:aspirin",
    "standard:osteosarkoma", "standard:haemoptisis",
    "academic:pain", "academic:scurvy", "academic:aspirin",
    "academic:osteosarkoma", "academic:haemoptisis",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True,
                        help="postgres://user@host:port/name of a generated database")
    parser.add_argument("--repeat", type=int, default=7, help="requests counted per page")
    parser.add_argument("--query", action="append",
                        help="workflow:words, repeatable (default: the ten of bench/load.py)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    print(f"# {connection.vendor}, {args.repeat} requests a page after one warm-up, cache off")
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    with override_settings(CACHES={"default": dummy, "local": dummy}, ALLOWED_HOSTS=["*"]):
        client = Client()
        for spec in args.query or QUERIES:
            workflow, words = spec.split(":", 1)
            url = reverse("cases:browse", args=[workflow])
            times = []
            for attempt in range(args.repeat + 1):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url, {"q": words})
                    elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (spec, response.status_code)
                if attempt:
                    times.append(elapsed)
            name = f"{workflow}_{words.replace(' ', '_')}"
            times.sort()
            p95 = times[max(0, -(-len(times) * 95 // 100) - 1)]
            print(f"{name}_p50: {statistics.median(times):.1f} ms")
            print(f"{name}_p95: {p95:.1f} ms")
            print(f"{name}_queries: {len(queries)} queries")


if __name__ == "__main__":
    main()
