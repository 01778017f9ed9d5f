"""A contributor's upload in the admin shows the bytes going, with Save disabled, then lands on
the page the server answers with, as a plain submission would (static/viewer/upload_progress.js).
The network is slowed to 200 kB/s up, as on a busy hospital link, so that the upload lasts."""

import io
import random
import re

import pytest
from PIL import Image as PILImage

from cases.models import Study
from tests.browser.test_resident_journey import log_in
from tests.factories import make_case

pytestmark = pytest.mark.browser

UPLOAD_BYTES_PER_SECOND = 200_000


def noise_png(seed, size=(300, 300)):
    """A PNG that does not compress: about 270 kB of random colour."""
    rng = random.Random(seed)
    picture = PILImage.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def slow_uplink(page):
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": UPLOAD_BYTES_PER_SECOND,
        },
    )


def test_an_upload_shows_its_progress_with_save_disabled_then_the_saved_case(
    page, vocabularies, alice
):
    case = make_case(alice, images=1)
    study = Study.objects.get(case=case)
    log_in(page, alice)
    page.goto(f"/admin/cases/study/{study.pk}/change/")
    files = [
        {"name": f"noise-{n}.png", "mimeType": "image/png", "buffer": noise_png(n)}
        for n in range(4)
    ]
    page.locator('input[type="file"][name="pictures"]').set_input_files(files)
    slow_uplink(page)
    page.locator('input[name="_continue"]').click()

    progress = page.locator(".upload-progress progress")
    progress.wait_for()
    assert page.locator('input[name="_save"]').is_disabled()
    assert page.locator('input[name="_continue"]').is_disabled()
    page.wait_for_function(
        "() => { const bar = document.querySelector('.upload-progress progress');"
        " return bar && bar.value > 0 && bar.value < 100; }"
    )
    assert re.search(r"MB sent \(\d+%\)", page.locator(".upload-progress-text").inner_text())

    page.wait_for_selector(".messagelist", timeout=60_000)
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    assert study.images.count() == 5


def test_a_failed_upload_says_nothing_was_saved_and_lets_the_contributor_send_again(
    page, vocabularies, alice, console_errors
):
    console_errors.expect(r"net::ERR_FAILED")  # the connection this test breaks
    case = make_case(alice, images=1)
    study = Study.objects.get(case=case)
    log_in(page, alice)
    page.goto(f"/admin/cases/study/{study.pk}/change/")
    page.locator('input[type="file"][name="pictures"]').set_input_files(
        [{"name": "noise.png", "mimeType": "image/png", "buffer": noise_png(7)}]
    )
    page.route(
        re.compile(r".*/admin/cases/study/\d+/change/$"),
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.locator('input[name="_continue"]').click()

    page.wait_for_selector(".upload-progress-failed")
    assert "nothing was saved" in page.locator(".upload-progress-text").inner_text()
    assert page.locator('input[name="_continue"]').is_enabled()
    chosen = page.locator('input[type="file"][name="pictures"]')
    assert chosen.evaluate("input => input.files.length") == 1
    assert study.images.count() == 1
