"""The viewer with media on an object store (moto's S3 server on loopback, tests/object_store.py):
its worker's fetch() of each slice's stored values is redirected to a presigned URL of another
origin, which the Content-Security-Policy allows, and the browser inflates the gzip-encoded
values itself: the canvas shows the phantom windowed as from local disk, with no console error
(a CSP or CORS refusal would log one). moto's server answers every GET with its own permissive
CORS header, so the bucket's rule (manage.py prepare_bucket) is checked by
tests/repository/test_object_store_settings.py, not here."""

import pytest

from cases.models import Case
from tests.browser import phantom
from tests.browser.phantom_case import MARKERS, build_phantom_case, member
from tests.browser.viewer_page import Viewer, tile_of
from viewer.models import Series
from viewer.uploads import Upload

pytestmark = pytest.mark.browser


@pytest.fixture
def case_in_bucket(s3_bucket, vocabularies, alice):
    ct = Upload(Case())  # staged into the bucket, then published into the case
    slices = phantom.ct_series(MARKERS["series description"])
    ct.stage([member(f"IM{k:04d}", data) for k, data in enumerate(slices)])
    return build_phantom_case(alice, [ct])


def test_the_viewer_reads_stored_values_from_the_bucket_across_origins(
    page, case_in_bucket, s3_endpoint
):
    from_bucket = []
    page.on("requestfinished", lambda request: from_bucket.append(request.url)
            if request.url.startswith(s3_endpoint) else None)  # fmt: skip
    page.goto(case_in_bucket.get_absolute_url("standard"), wait_until="domcontentloaded")
    viewer = Viewer(page)
    viewer.open(tile_of(page, Series.objects.get(study__case=case_in_bucket, modality="CT")))
    expected = {
        phantom.BONE.centre: 255,
        (4, 4): 0,  # air
        phantom.TISSUE.centre: phantom.grey(phantom.TISSUE_HU),
        phantom.BAND.centre: phantom.grey(phantom.band_hu(viewer.slice)),
    }
    for point, grey in expected.items():
        assert viewer.grey(*point) == pytest.approx(grey, abs=3), f"image pixel {point}"
    assert [url for url in from_bucket if "/pixels.bin" in url]
    assert [url for url in from_bucket if "/thumb.jpg" in url]
