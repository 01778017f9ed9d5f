"""A real browser against the real app: Debian's headless Chromium, driven by Playwright, on the
site served by pytest-django's live_server, with a published case holding the CT phantom
(tests/browser/phantom.py) and a colour photograph, both put through the upload pipeline.

live_server needs a transactional database, which is emptied after each test: each test builds
what it needs again (the phantom's files are staged once per run).
"""

import importlib
import os

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import sync_playwright

from cases import roles
from cases.models import AcceptedAnswer, Case
from tests.browser import phantom
from tests.browser.page_watch import TIMEOUT_MS, ConsoleErrors, Traffic
from tests.browser.phantom_case import MARKERS, build_phantom_case, member
from tests.browser.viewer_page import Viewer, tile_of
from tests.factories import make_user, marker_case
from viewer.models import Series
from viewer.uploads import Upload

CHROMIUM = "/usr/bin/chromium"  # Debian's (make browser-deps): Playwright cannot fetch its own here
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="package")
def browser():
    """Chromium for this folder's tests only: Playwright's sync API keeps an asyncio loop
    running in this thread while it lives, and Django refuses ORM calls made while a loop runs
    (and keeps their connections apart). The ORM calls here are synchronous all the same; both
    the loop and the permission end with the last browser test, before the tests that follow."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Chromium's sandbox cannot start as root (CI and these machines run as root).
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def console_errors():
    return ConsoleErrors()


@pytest.fixture
def open_page(browser, live_server, console_errors):
    """Opens a page in a fresh browser context on the live server: at device scale 1 (canvas
    pixels are CSS pixels) and the desktop viewport unless `options` (Playwright's
    new_context()) say otherwise. The test fails on any console error or uncaught exception it
    did not expect, in any page it opened."""
    opened = []

    def open_(**options):
        settings = {"viewport": VIEWPORT, "device_scale_factor": 1, **options}
        context = browser.new_context(base_url=live_server.url, **settings)
        traffic = Traffic(context)
        context.set_default_timeout(TIMEOUT_MS)
        # Chromium asks for /favicon.ico when a page names no icon, and logs the 404 as a
        # console error that says nothing about the page.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        page = context.new_page()
        page.on("console", console_errors.on_console)
        page.on("pageerror", console_errors.on_page_error)
        opened.append((context, traffic, page))
        return page

    yield open_
    for context, traffic, page in opened:
        traffic.settle(page)
        context.close()
    unexpected = console_errors.unexpected()
    if unexpected:
        pytest.fail("the page logged errors:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
def page(open_page):
    """A page on the live server, at the desktop viewport (open_page)."""
    return open_page()


@pytest.fixture(scope="session")
def phantom_uploads():
    """The phantom's slices and the photograph staged once for the whole run: reading,
    de-identifying and rendering them is most of a case's setup, and their files outlive each
    test's rows (the database is emptied by SQL, which deletes no file)."""
    staged_for = Case()  # its de-identification salt; the rows go to each test's case
    ct, photo = Upload(staged_for), Upload(staged_for)
    slices = phantom.ct_series(MARKERS["series description"])
    ct.stage([member(f"IM{k:04d}", data) for k, data in enumerate(slices)])
    photo.stage([member("photograph.png", phantom.colour_png())])
    return ct, photo


@pytest.fixture
def vocabularies(transactional_db):
    """The anatomy, category and modality terms a data migration adds. live_server's database
    is emptied after each test; the groups and permissions come back by themselves (post_migrate),
    these do not."""
    seed = importlib.import_module("cases.migrations.0003_vocabularies").seed
    seed(django_apps, None)


@pytest.fixture
def phantom_case(vocabularies, alice, phantom_uploads):
    return build_phantom_case(alice, phantom_uploads)


@pytest.fixture
def ct_series(phantom_case):
    return Series.objects.get(study__case=phantom_case, modality="CT")


@pytest.fixture
def photo_series(phantom_case):
    return Series.objects.get(study__case=phantom_case, uid="")


@pytest.fixture
def viewer(page, phantom_case, ct_series):
    """The standard case page with the viewer open on the CT phantom's tile (its middle slice)."""
    # The viewer's scripts have run by DOMContentLoaded; the thumbnails need not have come.
    page.goto(phantom_case.get_absolute_url("standard"), wait_until="domcontentloaded")
    viewer = Viewer(page)
    viewer.open(tile_of(page, ct_series))
    return viewer


@pytest.fixture
def resident_without_standard(settings, transactional_db):
    """Rita, a resident, where standard reading is for attendings only (as a department limits
    it): she reads the academic workflow alone."""
    settings.STANDARD_WORKFLOW_GROUPS = [roles.ATTENDINGS]
    return make_user("rita", roles.RESIDENTS)


@pytest.fixture
def accepted_answer():
    return "Slipped capital femoral epiphysis"


@pytest.fixture
def two_marker_cases(vocabularies, alice, accepted_answer):
    """Two published cases of two pictures each, with a marker in every field the academic
    workflow hides (tests.factories.marker_case), both accepting `accepted_answer`; by pk."""
    first = marker_case(alice)
    second = marker_case(alice, unknown_title="Hip pain, limping")
    for case in (first, second):
        AcceptedAnswer.objects.create(case=case, answer=accepted_answer, position=2)
    return {first.pk: first, second.pk: second}
