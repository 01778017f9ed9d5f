"""What a browse page's cards cost to build and render, nothing cached: the cards' query and
model building, present() and the card's extras (views._card), and the HTML of the page's card
loop, per page of CASES_PER_PAGE cards, in both workflows.

    .venv/bin/python bench/cards.py --database-url postgres://postgres@127.0.0.1:5432/NAME
                                    [--pages 20] [--rounds 15]

Run against a database filled by `manage.py generate_cases` (bench_reader's 100,000 cases); it is
only read. --pages pages of ids are taken at even steps through the newest-first order; each
round times every part of every page once, parts in turn; a figure is the median over rounds of
a round's mean per page, as wall time and as this process's CPU time (`_cpu`: without the
database's work, steadier on a shared machine). Figures go to stdout as `name: value unit`.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

# The browse page's card loop, as cases/_browse_results.html has it.
CARD_LOOP = '{% for card in cards %}{% include "cases/_card.html" %}{% endfor %}'
QUERYSTRING = "anatomy=chest"  # a filtered page: every card's link carries the query string


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="postgres://user@host:port/name (default: DATABASE_URL)")
    parser.add_argument("--pages", type=int, default=20, help="pages of ids timed a round")
    parser.add_argument("--rounds", type=int, default=15, help="rounds; figures are medians")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    return args


def setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()


def page_ids(pages, per_page):
    from cases.models import Case

    newest = Case.objects.published().order_by("-published_at", "-id")
    ids = list(newest.values_list("pk", flat=True))
    step = max(1, (len(ids) - per_page) // max(1, pages - 1))
    return [ids[n * step:n * step + per_page] for n in range(pages) if ids[n * step:]]


def loop_renderer():
    from django.template import engines

    template = engines["django"].from_string(CARD_LOOP)
    return lambda cards: template.render({"cards": cards, "querystring": QUERYSTRING})


def timed(function, *args):
    """(result, wall ms, CPU ms of this process): the CPU time leaves out the database's work and
    the time other processes took the core, which the wall time counts."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def read(ids):
    from cases import views

    return list(views._cards(ids))


def present(cases, workflow):
    from cases import views

    return [views._card(case, workflow) for case in cases]


def one_round(pages, workflow, render):
    """ms per page: each part's wall time, and its CPU time (`_cpu`)."""
    spent = dict.fromkeys(["query", "present", "render", "query_cpu", "present_cpu",
                           "render_cpu"], 0.0)
    for ids in pages:
        cases = _add(spent, "query", *timed(read, ids))
        cards = _add(spent, "present", *timed(present, cases, workflow))
        _add(spent, "render", *timed(render, cards))
    return {part: ms / len(pages) for part, ms in spent.items()}


def _add(spent, part, result, wall, cpu):
    spent[part] += wall
    spent[f"{part}_cpu"] += cpu
    return result


def main():
    args = parse_args()
    setup(args.database_url)
    from common import machine_line
    from django.conf import settings
    from django.db import connection

    from cases.workflows import WORKFLOWS

    per_page = settings.CASES_PER_PAGE
    pages = page_ids(args.pages, per_page)
    render = loop_renderer()
    print(machine_line())
    print(f"# {connection.vendor}, {len(pages)} pages of {per_page} cards, {args.rounds} rounds")
    for workflow in WORKFLOWS:
        one_round(pages, workflow, render)  # warm-up: templates loaded, URLs resolved once
        rounds = [one_round(pages, workflow, render) for _ in range(args.rounds)]
        for r in rounds:
            r["total"] = r["query"] + r["present"] + r["render"]
            r["total_cpu"] = r["query_cpu"] + r["present_cpu"] + r["render_cpu"]
        for part in rounds[0]:
            print(f"{workflow}_{part}: {statistics.median(r[part] for r in rounds):.2f} ms")


if __name__ == "__main__":
    main()
