"""What is made from stored images, on an object store (moto's S3 server on loopback,
tests/object_store.py): zips and handouts read the pictures from the bucket, stored handouts and
set downloads are redirects to presigned URLs naming ids only, bundles export from the bucket and
import into it."""

import io
import zipfile
from io import BytesIO
from urllib.parse import unquote

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from cases.models import Case
from casesets.downloads import folder as set_folder
from tests import object_store
from tests.cases.test_handouts import everything_in, image_count, markers_in
from tests.dicom_factory import ct_series
from tests.factories import MARKERS, add_dicom, client_for, make_case, make_set, marker_case
from tests.pages import streamed
from tests.viewer.test_object_store_serving import presigned_get, redirect_of
from viewer.models import Image


def ct_case_of(author, **fields):
    case = make_case(author, images=2, modality="CT", **fields)
    add_dicom(case.studies.get(), ct_series(3))
    return case


def test_the_case_zip_holds_the_bucket_s_files(s3_bucket, alice, client):
    case = ct_case_of(alice)
    response = client.get(reverse("viewer:case_zip", args=["academic", case.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(streamed(response))) as archive:
        members = [archive.read(name) for name in archive.namelist()]
    for image in Image.objects.filter(study__case=case):
        with image.full.open("rb") as stored:
            assert stored.read() in members


def test_a_handout_is_made_from_the_bucket_s_pictures_and_sent_by_redirect(s3_bucket, alice,
                                                                           client):  # fmt: skip
    case = ct_case_of(alice)
    location = redirect_of(client.get(reverse("cases:handout", args=["academic", case.pk])))
    assert "/generated/handouts/" in location
    status, headers, body = presigned_get(location)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    name = f"case-{case.pk}-academic-a4.pdf"
    assert headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert image_count(PdfReader(BytesIO(body))) >= 2


def test_the_academic_handout_s_redirect_and_file_carry_no_hidden_field(s3_bucket, alice, client):
    case = marker_case(alice)
    location = redirect_of(client.get(reverse("cases:handout", args=["academic", case.pk])))
    sent = unquote(location).lower()
    assert not [name for name, marker in MARKERS.items() if marker.lower() in sent]
    assert markers_in(everything_in(PdfReader(BytesIO(presigned_get(location)[2])))) == []


def test_a_set_s_deck_is_sent_by_redirect_and_deleted_with_its_set(
    s3_bucket, alice, attending, resident, django_capture_on_commit_callbacks
):
    case_set = make_set(attending, [make_case(alice)], visibility="shared")
    url = reverse("casesets:slides", args=["academic", case_set.token])
    location = redirect_of(client_for(resident).get(url))
    assert presigned_get(location)[2].startswith(b"PK")
    assert default_storage.listdir(set_folder(case_set.pk))[1]
    with django_capture_on_commit_callbacks(execute=True):
        case_set.delete()
    assert default_storage.listdir(set_folder(case_set.pk))[1] == []


def test_a_bundle_exports_from_the_bucket_and_imports_into_it(s3_bucket, alice, tmp_path):
    case = ct_case_of(alice, title="Bundled through the bucket")
    originals = {image.full.open("rb").read() for image in Image.objects.filter(study__case=case)}
    bundle = tmp_path / "bundle.zip"
    call_command("export_cases", str(case.pk), str(bundle))
    with zipfile.ZipFile(bundle) as archive:
        exported = {archive.read(name) for name in archive.namelist()}
    assert {o for o in originals if o in exported}  # the pictures' full renditions went out
    case.delete()
    before = object_store.objects()
    call_command("import_cases", str(bundle))
    imported = Case.objects.get(title="Bundled through the bucket")
    names = {n for i in Image.objects.filter(study__case=imported) for n in i.stored_names()}
    assert len(names) >= 2 * 3
    assert names <= object_store.objects() - before  # new objects, written to the bucket
