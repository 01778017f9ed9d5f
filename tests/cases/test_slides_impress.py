"""A deck opens in LibreOffice Impress: Debian's `libreoffice --headless --convert-to pdf` reads
it, and the PDF it writes holds each slide's text. LibreOffice comes from `make office-deps`
(part of install-test); where it is missing the test skips, except under .ci/run
(TESTS_NEED_LIBREOFFICE), where it fails."""

import os
import shutil
import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader

from cases import slides
from tests.cases.test_handouts import markers_in
from tests.factories import MARKERS, make_case, marker_case

LIBREOFFICE = shutil.which("libreoffice")
CONVERT_TIMEOUT = 180  # a first start builds its profile; bounds a hang, not a speed


@pytest.fixture
def libreoffice():
    if LIBREOFFICE is None:
        if os.environ.get("TESTS_NEED_LIBREOFFICE"):
            pytest.fail("LibreOffice is missing: make office-deps installs it")
        pytest.skip("LibreOffice is not installed (make office-deps)")
    return LIBREOFFICE


def converted(libreoffice, data, folder):
    deck = folder / "deck.pptx"
    deck.write_bytes(data)
    # A profile of its own: a concurrent LibreOffice (another test run) would otherwise own the
    # default one and this conversion would hand its work over and write nothing.
    profile = f"-env:UserInstallation=file://{folder / 'profile'}"
    subprocess.run(
        [libreoffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(folder),
         str(deck)],
        check=True, capture_output=True, timeout=CONVERT_TIMEOUT,
    )
    return PdfReader(BytesIO((folder / "deck.pdf").read_bytes()))


def test_a_deck_opens_in_impress_with_every_slide_and_its_text(libreoffice, alice, tmp_path):
    secret = marker_case(alice)
    other = make_case(alice, unknown_title="Cough for a month", history="Dry cough, no fever.")
    data = slides.deck([secret, other], title="Impress conference", part="both")
    reader = converted(libreoffice, data, tmp_path)
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(texts) == 5  # the title slide, then the unknown and the answer of each case
    assert "Impress conference" in texts[0]
    assert "Unknown 1: Wrist pain after a fall" in texts[1]
    assert secret.history in texts[1]
    assert MARKERS["diagnosis"] in texts[2]
    assert "Unknown 2: Cough for a month" in texts[3] and "Dry cough" in texts[3]
    assert markers_in(texts[1]) == []
    assert reader.pages[1].images  # the pictures came through
