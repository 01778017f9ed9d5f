"""Handouts and slides of the demo cases: how many pages each handout takes, and how long a
10-case conference set takes to build (its PDF in each part, its .pptx deck).

    .venv/bin/python bench/handouts.py

Everything happens in a temporary folder removed at the end: a SQLite database and MEDIA_ROOT,
seeded by `manage.py seed_demo` (cases/management/commands/demo_cases.toml). The set is the demo
cases in order, repeated to 10. Each time is the best of --repeat runs (CPU-bound: WeasyPrint's
layout and the pictures' encoding). Prints `name: value unit` lines.
"""

import argparse
import os
import secrets
import sys
import tempfile
from io import BytesIO
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine_line, version_of  # noqa: E402

SET_SIZE = 10
PAPERS = ("a4", "letter")
WORKFLOWS = ("standard", "academic")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each build (3)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-handouts-") as scratch:
        configure(Path(scratch))
        print(machine_line())
        print(f"# WeasyPrint {version_of('weasyprint')}, python-pptx {version_of('python-pptx')}")
        pks = seed()
        page_counts(pks)
        set_times(pks, args.repeat)


def configure(scratch):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="repository.settings",
        DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
        MEDIA_ROOT=str(scratch / "media"),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        LOG_LEVEL="WARNING",
    )
    for name in ("DATABASE_URL", "MEDIA_ROOT", "SECRET_KEY"):
        os.environ.pop(f"{name}_FILE", None)  # a NAME_FILE would win over NAME
    import django

    django.setup()


def seed():
    from django.core.management import call_command

    from cases.models import Case

    call_command("migrate", verbosity=0, interactive=False)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    return list(Case.objects.published().order_by("pk").values_list("pk", flat=True))


def page_counts(pks):
    """Pages of each demo case's handout, per workflow and paper, and their sum."""
    from pypdf import PdfReader

    from cases.handouts import HandoutImages
    from cases.handouts.rendering import case_html, write_pdf
    from cases.models import Case

    cases = Case.objects.for_readers().in_bulk(pks)
    for workflow in WORKFLOWS:
        for paper in PAPERS:
            counts = []
            for pk in pks:
                html = case_html(cases[pk], workflow, paper, lambda view: "http://localhost/")
                pdf = write_pdf([html], HandoutImages(cases[pk]))
                counts.append(len(PdfReader(BytesIO(pdf)).pages))
            print(f"demo_pages_{workflow}_{paper}: {sum(counts)} pages")
            print(f"# per case: {' '.join(map(str, counts))}")
            print(f"demo_max_pages_{workflow}_{paper}: {max(counts)} pages")


def set_times(pks, repeat):
    from pypdf import PdfReader

    from cases import slides
    from cases.handouts import set_pdf

    conference = [pks[n % len(pks)] for n in range(SET_SIZE)]
    for part in ("unknowns", "answers", "both"):
        seconds, pdf = best(repeat, lambda p=part: set_pdf(conference, title="Bench", part=p))
        print(f"set_pdf_{SET_SIZE}_{part}_a4: {seconds:.2f} s")
        print(f"set_pdf_{SET_SIZE}_{part}_a4_pages: {len(PdfReader(BytesIO(pdf)).pages)} pages")
    seconds, deck = best(repeat, lambda: slides.deck(conference, title="Bench", part="both"))
    print(f"deck_{SET_SIZE}_both: {seconds:.2f} s")
    print(f"deck_{SET_SIZE}_both_size: {len(deck) / 2**20:.1f} MiB")


def best(repeat, build):
    times = []
    for _ in range(repeat):
        start = perf_counter()
        result = build()
        times.append(perf_counter() - start)
    return min(times), result


if __name__ == "__main__":
    main()
