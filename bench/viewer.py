"""How fast the image viewer is in a real browser: from double-click to the first CT slice on
screen, window/level re-renders of a 512 x 512 slice and of a 3.6-megapixel radiograph, scrolling
a loaded stack, and the bytes each CT slice costs on the wire.

    .venv/bin/python bench/viewer.py [--slices 100] [--opens 10] [--renders 100]

Everything happens in a temporary folder removed at the end: a SQLite database, MEDIA_ROOT and
the collected static files. A CT series made from pydicom-data's 693_UNCR (512 x 512, each slice
shifted so no two are alike) and the radiograph RG1_UNCR (CR, 1841 x 1955, 3.6 MP) are put through
the upload pipeline into one published case. gunicorn serves it with production settings (DEBUG
off, whitenoise) on 127.0.0.1, and Debian's headless Chromium, driven by Playwright, opens it.

Times are the viewer's own User Timing entries (static/viewer/viewer.js): `viewer:first-slice`
from the double-click's handling to the first slice drawn, and `viewer:render` around each canvas
draw, tagged with its reason. Each open is in a fresh browser context, so nothing comes from the
HTTP cache, once the case page has settled, with two clicks 120 ms apart as a reader's are (the
viewer may start fetching on the first); `open_instant_dblclick_ms` is the same with no gap.
Figures go to stdout, one a line, as `name: value unit`; lines starting with # are notes.
docs/performance.md ("Image viewer") records runs.
"""

import argparse
import os
import platform
import secrets
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import gunicorn, machine_line, version_of  # bench/common.py

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"  # Debian's (make browser-deps); Playwright cannot fetch its own here
RADIOGRAPH = "RG1_UNCR.dcm"  # pydicom-data: CR, 1841 x 1955 (3.6 MP), 15-bit, MONOCHROME1
VIEWPORT = {"width": 1600, "height": 1000}
WARM_UP = 10  # W/L draws or scroll steps before the measured ones
CLICK_GAP_MS = 120  # between the two clicks of a reader's double-click (Windows allows 500)
# (gap, figure): a reader's double-click, and one with no gap, which leaves prefetching no time.
OPENS = ((CLICK_GAP_MS, "open_to_first_slice_ms"), (0, "open_instant_dblclick_ms"))
TARGETS = {  # name: (limit, unit): the targets
    "open_to_first_slice_ms": (150, "ms"),
    "wl_render_512_ms": (2, "ms"),
    "wl_render_radiograph_ms": (20, "ms"),
    "pixels_kib_per_ct_slice": (110, "KiB"),
}
# Settings the server runs with: production's, with static files collected into the scratch
# folder rather than the project's STATIC_ROOT.
SETTINGS = """from repository.settings import *  # noqa: F403
import os
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
"""


def main():
    args = parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium (or make browser-deps)")
    with tempfile.TemporaryDirectory(prefix="bench-viewer-") as scratch:
        scratch = Path(scratch)
        env = configure_environment(scratch)
        case_url, series = build_case(scratch, args.slices)
        port = free_port()
        # Two workers of four threads: the viewer asks for six slices at once, as a browser's six
        # connections to one host allow.
        with gunicorn(env, port, ["--workers", "2", "--threads", "4"]):
            measure(f"http://127.0.0.1:{port}", case_url, series, args)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=100, help="slices in the CT series (100)")
    parser.add_argument("--opens", type=int, default=10, help="opens timed; the median counts (10)")
    parser.add_argument(
        "--renders", type=int, default=100, help="W/L re-renders timed per image; the median (100)"
    )
    args = parser.parse_args()
    if args.slices < 2 or args.opens < 1 or args.renders < 1:
        parser.error("--slices must be at least 2, --opens and --renders at least 1")
    return args


# --- a private Django, and the case --------------------------------------------------------------


def configure_environment(scratch):
    """Every setting that could reach the user's data points into the scratch folder, before
    Django reads them; the server subprocess inherits the same environment."""
    (scratch / "bench_viewer_settings.py").write_text(SETTINGS)
    values = {
        "DJANGO_SETTINGS_MODULE": "bench_viewer_settings",
        "PYTHONPATH": os.pathsep.join([str(scratch), str(ROOT)]),
        "DATABASE_URL": f"sqlite:///{scratch / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(scratch / "media"),
        "BENCH_STATIC_ROOT": str(scratch / "static"),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "REQUIRE_LOGIN": "false",
        "STANDARD_WORKFLOW_GROUPS": "",
        "LOG_LEVEL": "WARNING",
    }
    for name, value in values.items():
        os.environ[name] = value
        os.environ.pop(f"{name}_FILE", None)  # a NAME_FILE would win over NAME
    sys.path[:0] = [str(scratch), str(ROOT), str(BENCH)]
    import django

    django.setup()
    return dict(os.environ)


def build_case(scratch, slices):
    """A published case with the CT series and the radiograph, each in its own study, through
    the pipeline import_study uses. Returns the case page's path and {name: series pk}."""
    from django.core.management import call_command
    from ingest import write_ct_series  # bench/ingest.py: the same series its benchmark ingests

    from cases.models import Anatomy, Case
    from viewer.models import Series
    from viewer.uploads import add_files

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    started = time.perf_counter()
    write_ct_series(scratch / "ct", slices, seed=1)
    (scratch / "cr").mkdir()
    shutil.copy(sample_path(RADIOGRAPH), scratch / "cr" / "RG1")
    case = Case.objects.create(
        author=bench_user(),
        status=Case.Status.PUBLISHED,
        title="Viewer benchmark",
        diagnosis="Viewer benchmark",
        history="Benchmark data.",
        anatomy=Anatomy.objects.order_by("position").first(),
    )
    for folder in ("ct", "cr"):
        add_files(case, scratch / folder, accept_pictures=False)
    seconds = time.perf_counter() - started
    print(f"# ingested {slices} CT slices and the radiograph in {seconds:.0f} s")
    series = {s.modality: s.pk for s in Series.objects.filter(study__case=case)}
    return case.get_absolute_url("standard"), {"ct": series["CT"], "radiograph": series["CR"]}


def sample_path(name):
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name, download=False)  # never the network
    if path is None:
        sys.exit(f"{name} not found: install pydicom-data (.venv/bin/pip install -e '.[test]')")
    return path


def bench_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="bench-viewer", is_staff=True)


# --- the server ----------------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the browser ---------------------------------------------------------------------------------

OPENED = """([series]) => {
  const v = document.querySelector('#viewer');
  return !v.hidden && v.dataset.series === series && v.dataset.state === 'ready'
    && performance.getEntriesByName('viewer:first-slice').length > 0;
}"""
ALL_LOADED = """() => {
  const p = document.querySelector('#viewer progress.viewer-progress');
  return p.max > 1 && +p.value === +p.max;
}"""
DRAWN_SINCE = "(n) => +document.querySelector('#viewer').dataset.rendered > n"
RENDERS = """(reason) => performance.getEntriesByName('viewer:render')
  .filter((e) => e.detail && e.detail.reason === reason).map((e) => e.duration)"""
# One slice per keypress, each waiting for its draw, timed in the page: what a reader holding an
# arrow key sees, bounded below by the display's frame interval.
SCROLL_WALL = """async (count) => {
  const v = document.querySelector('#viewer');
  const frame = () => new Promise(requestAnimationFrame);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const drawn = +v.dataset.rendered;
    v.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));
    while (+v.dataset.rendered === drawn) await frame();
  }
  return (performance.now() - started) / count;
}"""


def measure(base, case_url, series, args):
    from playwright.sync_api import sync_playwright

    launch_args = ["--no-sandbox"] if os.geteuid() == 0 else []  # the sandbox refuses root
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=launch_args)
        print_machine(browser.version)
        results = {}
        for gap, name in OPENS:
            opens = [open_viewer(browser, base + case_url, series["ct"], gap)[1]
                     for _ in range(args.opens + 1)]
            opens = sorted(opens[1:], key=lambda steps: steps["first"])  # the first warms up
            results[name] = statistics.median(steps["first"] for steps in opens)
            show(name, results[name], "ms")
            show(name.replace("_ms", "_max_ms"), opens[-1]["first"], "ms")
            print_open_steps(opens[len(opens) // 2])

        context, page, sizes = open_with_sizes(browser, base + case_url, series["ct"])
        page.wait_for_function(ALL_LOADED, timeout=120_000)
        results["pixels_kib_per_ct_slice"] = statistics.median(sizes) / 1024
        show("pixels_kib_per_ct_slice", results["pixels_kib_per_ct_slice"], "KiB")
        results["wl_render_512_ms"] = window_drags(page, args.renders)
        show("wl_render_512_ms", results["wl_render_512_ms"], "ms")
        scroll, wall = scroll_through(page, args.slices)
        show("scroll_ms_per_slice", scroll, "ms")
        show("scroll_wall_ms_per_slice", wall, "ms")
        context.close()

        context, page = open_viewer(browser, base + case_url, series["radiograph"], keep=True)
        results["wl_render_radiograph_ms"] = window_drags(page, args.renders)
        show("wl_render_radiograph_ms", results["wl_render_radiograph_ms"], "ms")
        context.close()
        browser.close()
    print_targets(results)


# Main-thread tasks over 50 ms (the Long Tasks API), kept from the page's start, to tell time
# the page was busy from time spent waiting on the network or the loading worker.
LONG_TASKS = """window.benchLongTasks = [];
new PerformanceObserver((list) => window.benchLongTasks.push(
  ...list.getEntries().map((e) => [e.startTime, e.duration]))).observe({type: 'longtask'});"""


def new_page(browser):
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.add_init_script(LONG_TASKS)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda error: print(f"# page error: {error}", file=sys.stderr))
    return context, page


def open_viewer(browser, url, series_pk, gap_ms=CLICK_GAP_MS, keep=False):
    """Load the case page in a fresh context and double-click the series' tile; the context and
    page when `keep`, else the milliseconds from the double-click to the first slice drawn and
    where they went."""
    context, page = new_page(browser)
    requests = []
    context.on("requestfinished", lambda request: requests.append(request))
    double_click(page, url, series_pk, gap_ms)
    if keep:
        return context, page
    marks = page.evaluate(
        """() => {
          const open = performance.getEntriesByName('viewer:open')[0].startTime;
          const first = performance.getEntriesByName('viewer:first-slice')[0].duration;
          const busy = window.benchLongTasks
            .filter(([start, duration]) => start + duration > open && start < open + first)
            .reduce((sum, [start, duration]) => sum + duration, 0);
          return {origin: performance.timeOrigin, open, first, busy};
        }"""
    )
    opened = marks["origin"] + marks["open"]  # epoch milliseconds, as Playwright's timings
    steps = {"first": marks["first"], "busy": marks["busy"], "manifest": [], "pixels": []}
    requests.sort(key=lambda request: request.timing["startTime"])
    manifest = next(r.url for r in requests if r.url.endswith("manifest.json"))
    pixels = next(r.url for r in requests if r.url.endswith("/pixels"))  # the slice opened on
    for request in requests:
        kind = {manifest: "manifest", pixels: "pixels"}.get(request.url)
        if kind:
            start = request.timing["startTime"] - opened
            steps[kind].append((start, start + request.timing["responseEnd"]))
    context.close()
    return None, steps


def double_click(page, url, series_pk, gap_ms):
    """A reader's double-click on the tile once the page has settled (its thumbnails shown, the
    viewer's worker started): two clicks `gap_ms` apart. The viewer may start fetching on the
    first; it marks `viewer:open` on the second."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    box = page.locator(f'a.case-image[data-series="{series_pk}"]').bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    if gap_ms:
        page.wait_for_timeout(gap_ms)
    page.mouse.click(x, y, click_count=2)
    page.wait_for_function(OPENED, arg=[str(series_pk)])


def open_with_sizes(browser, url, series_pk):
    """Open the viewer and record each pixels response's body as sent (gzip), whether the page
    or its loading worker fetched it."""
    sizes = []

    def finished(request):
        if request.url.endswith("/pixels"):
            sizes.append(request.sizes()["responseBodySize"])

    context, page = new_page(browser)
    context.on("requestfinished", finished)
    double_click(page, url, series_pk, CLICK_GAP_MS)
    return context, page, sizes


def window_drags(page, count):
    """The median `viewer:render` of `count` window/level changes, each a step of a right-button
    drag waited for until drawn; the drag swings left and right so the window stays sensible."""
    box = page.locator("#viewer canvas.viewer-canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down(button="right")
    for step in range(WARM_UP + count):
        drawn = int(page.locator("#viewer").get_attribute("data-rendered"))
        offset = 3 * (step % 20 if step % 40 < 20 else 20 - step % 20)
        page.mouse.move(x + offset, y + offset / 3)
        page.wait_for_function(DRAWN_SINCE, arg=drawn)
    page.mouse.up(button="right")
    durations = page.evaluate(RENDERS, "wl")
    if len(durations) < count:
        sys.exit(f"only {len(durations)} 'wl' renders were measured, not {count}")
    return statistics.median(durations[-count:])


def scroll_through(page, slices):
    """From the first slice to the last and back, one ArrowDown/ArrowUp at a time: the median
    `viewer:render` of a scroll step, and the wall time per slice measured in the page."""
    page.locator("#viewer").focus()
    for key in ("Home", *["ArrowDown"] * (slices - 1), *["ArrowUp"] * (slices - 1)):
        drawn = int(page.locator("#viewer").get_attribute("data-rendered"))
        page.keyboard.press(key)
        page.wait_for_function(DRAWN_SINCE, arg=drawn)
    render = statistics.median(page.evaluate(RENDERS, "scroll")[-(2 * slices - 2) :])
    page.keyboard.press("Home")
    wall = page.evaluate(SCROLL_WALL, slices - 1)
    return render, wall


# --- output --------------------------------------------------------------------------------------


def show(name, value, unit):
    figure = f"{value:.3g}" if value < 100 else f"{value:.0f}"
    print(f"{name}: {figure} {unit}", flush=True)


def print_open_steps(steps):
    """Where the median open's time went, from the double-click's handling: each request for
    the manifest and for the slice opened on, from sent to received (negative: before the
    double-click, by the prefetch on the first click); then the draw, and how long the page's
    main thread was busy with long tasks meanwhile."""
    parts = [
        f"{kind} " + ", ".join(f"{start:.0f} to {end:.0f} ms" for start, end in steps[kind])
        for kind in ("manifest", "pixels")
    ]
    print(
        f"# median open: {', '.join(parts)}, slice drawn at {steps['first']:.0f} ms; "
        f"main-thread long tasks overlapping it: {steps['busy']:.0f} ms"
    )


def print_targets(results):
    verdicts = []
    for name, (limit, unit) in TARGETS.items():
        met = "met" if results[name] <= limit else "NOT met"
        verdicts.append(f"{name} <= {limit} {unit}: {met}")
    print("# targets: " + "; ".join(verdicts))


def print_machine(chromium):
    from django.db import connection

    libraries = ["Django", "playwright", "gunicorn"]
    versions = ", ".join(f"{name} {version_of(name)}" for name in libraries)
    print(machine_line())
    size = f"{VIEWPORT['width']}x{VIEWPORT['height']}"
    print(f"# Chromium {chromium} (headless), viewport {size} at device scale 1")
    print(f"# Python {platform.python_version()}, {versions}, database {connection.vendor}")


if __name__ == "__main__":
    main()
