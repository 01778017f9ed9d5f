"""Images and stored values on an object store (S3_BUCKET; moto's S3 server on loopback,
tests/object_store.py): after the access check, a redirect to a short-lived presigned URL, whose
bytes are the ones the local disk serves; a wrong user is refused before any redirect."""

import gzip
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse
from django.utils.cache import get_max_age

from cases import roles
from cases.models import Case
from tests.dicom_factory import ct_series
from tests.factories import add_dicom, client_for, make_case

URL_SECONDS = 60


def presigned_get(url):
    """(status, headers, body) of a GET of the presigned URL, as a browser's fetch() gets it,
    the body as sent (not inflated)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def redirect_of(response):
    assert response.status_code == 302, response.status_code
    return response["Location"]


def ct_case_of(author, **fields):
    case = make_case(author, images=1, modality="CT", **fields)
    add_dicom(case.studies.get(), ct_series(3))
    return case


def grey_image(case):
    return case.studies.get().images.exclude(pixels="").order_by("position").first()


def test_an_image_file_redirects_to_a_presigned_url_for_the_store_s_bytes(
    s3_bucket, s3_endpoint, alice, client
):
    image = grey_image(ct_case_of(alice))
    location = redirect_of(client.get(reverse("viewer:image_file", args=[image.pk, "display"])))
    assert location.startswith(f"{s3_endpoint}/{s3_bucket}/site/images/")
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == [str(URL_SECONDS)]
    status, headers, body = presigned_get(location)
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    with image.display.open("rb") as stored:
        assert body == stored.read()


def test_the_redirect_is_cached_privately_for_less_than_the_url_lives(s3_bucket, alice, client):
    image = grey_image(ct_case_of(alice))
    response = client.get(reverse("viewer:image_file", args=[image.pk, "full"]))
    assert "private" in response["Cache-Control"]
    assert 0 < get_max_age(response) < URL_SECONDS


def test_stored_values_at_the_presigned_url_are_gzip_encoded_and_inflate_to_the_local_ones(
    settings, request, alice, client
):
    local = grey_image(ct_case_of(alice))
    served = client.get(reverse("viewer:pixels", args=[local.pk]))
    assert served["Content-Encoding"] == "gzip"
    local_values = gzip.decompress(b"".join(served.streaming_content))

    request.getfixturevalue("s3_bucket")
    image = grey_image(ct_case_of(alice))
    status, headers, body = presigned_get(
        redirect_of(client.get(reverse("viewer:pixels", args=[image.pk])))
    )
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"] == "application/octet-stream"
    assert gzip.decompress(body) == local_values


def test_the_object_itself_carries_the_gzip_encoding(s3_bucket, alice):
    image = grey_image(ct_case_of(alice))
    head = default_storage.connection.meta.client.head_object(
        Bucket=s3_bucket, Key=f"site/{image.pixels.name}"
    )
    assert head["ContentEncoding"] == "gzip"


def test_a_review_frame_s_redirect_is_never_stored(s3_bucket, alice):
    case = ct_case_of(alice, status=Case.Status.DRAFT)
    image = grey_image(case)
    response = client_for(alice).get(reverse("viewer:review_frame", args=[image.pk]))
    redirect_of(response)
    assert "no-store" in response["Cache-Control"]


# --- wrong users: refused before any redirect ---------------------------------------------------


def test_an_anonymous_visitor_gets_no_redirect_to_a_draft_s_image(s3_bucket, alice, client):
    image = grey_image(ct_case_of(alice, status=Case.Status.DRAFT))
    for kind in ("display", "full", "thumbnail"):
        assert client.get(reverse("viewer:image_file", args=[image.pk, kind])).status_code == 404
    assert client.get(reverse("viewer:pixels", args=[image.pk])).status_code == 404


def test_another_contributor_gets_no_redirect_to_a_draft_s_image(s3_bucket, alice, bob):
    image = grey_image(ct_case_of(alice, status=Case.Status.DRAFT))
    bobs = client_for(bob)
    assert bobs.get(reverse("viewer:image_file", args=[image.pk, "full"])).status_code == 404
    assert bobs.get(reverse("viewer:pixels", args=[image.pk])).status_code == 404
    assert bobs.get(reverse("viewer:review_frame", args=[image.pk])).status_code == 404


def test_a_resident_gets_no_redirect_to_a_standard_only_handout(s3_bucket, alice, resident):
    case = ct_case_of(alice)
    with override_settings(STANDARD_WORKFLOW_GROUPS=[roles.ATTENDINGS]):
        response = client_for(resident).get(reverse("cases:handout", args=["standard", case.pk]))
    assert response.status_code == 403
    assert "Location" not in response


def test_the_draft_s_own_contributor_is_redirected(s3_bucket, alice):
    image = grey_image(ct_case_of(alice, status=Case.Status.DRAFT))
    response = client_for(alice).get(reverse("viewer:pixels", args=[image.pk]))
    assert presigned_get(redirect_of(response))[0] == 200


@pytest.mark.parametrize("kind", ["display", "full", "thumbnail"])
def test_every_rendition_is_served_from_the_store(s3_bucket, alice, client, kind):
    image = grey_image(ct_case_of(alice))
    status, _, body = presigned_get(
        redirect_of(client.get(reverse("viewer:image_file", args=[image.pk, kind])))
    )
    assert status == 200 and body == getattr(image, kind).open("rb").read()
