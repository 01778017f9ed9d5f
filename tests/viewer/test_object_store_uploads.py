"""Uploads on an object store (moto's S3 server on loopback, tests/object_store.py): the admin's
upload and add_files write every rendition and stored value to the bucket; deleting rows deletes
their objects; sweep_orphans lists the bucket and deletes what no row or live upload holds; a
redaction reads a series' files from the bucket and writes their redacted forms back."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case
from tests import dicom_factory as make
from tests import object_store
from tests.burned_in_text import secondary_capture
from tests.factories import add_dicom, add_pictures, client_for, make_case
from tests.pages import post_study_with_pictures
from tests.viewer.test_ingest import dcm
from tests.viewer.test_redaction import assert_every_form_redacted, stored, text_rectangles
from viewer.models import Image, Instance
from viewer.redaction.applying import redact_series


def stored_names(case):
    names = {n for i in Image.objects.filter(study__case=case) for n in i.stored_names()}
    return names | {i.file.name for i in Instance.objects.filter(series__study__case=case)}


def test_the_admin_s_upload_writes_to_the_bucket(s3_bucket, alice):
    case = make_case(alice, images=0)
    study = case.studies.get()
    response = post_study_with_pictures(
        client_for(alice), study, [dcm(f"IM{n}", data) for n, data in enumerate(make.ct_series(2))]
    )
    assert response.status_code == 302
    names = stored_names(case)
    assert len(names) == 2 * 5  # per slice: the file, three renditions, the stored values
    assert names <= object_store.objects()


def test_add_files_writes_pictures_and_dicom_to_the_bucket(s3_bucket, alice):
    case = make_case(alice, images=0)
    add_pictures(case.studies.get(), 2)
    add_dicom(case.studies.get(), make.ct_series(2))
    assert len(stored_names(case)) == 2 * 3 + 2 * 5
    assert stored_names(case) <= object_store.objects()


def test_deleting_a_case_deletes_its_objects(s3_bucket, alice, django_capture_on_commit_callbacks):
    case = make_case(alice, images=1)
    add_dicom(case.studies.get(), make.ct_series(1))
    names = stored_names(case)
    with django_capture_on_commit_callbacks(execute=True):
        Case.objects.get(pk=case.pk).delete()
    assert names and not names & object_store.objects()


def test_the_sweep_deletes_the_bucket_s_orphans_and_keeps_the_rest(s3_bucket, alice):
    case = make_case(alice, images=1)
    add_dicom(case.studies.get(), make.ct_series(1))
    orphans = {
        default_storage.save("images/ff/orphan/full.png", ContentFile(b"left by a crash")),
        default_storage.save("dicom/ff/orphan.dcm", ContentFile(b"left by a crash")),
    }
    call_command("sweep_orphans", verbosity=0)
    assert not orphans & object_store.objects()
    assert stored_names(case) <= object_store.objects()


def test_the_sweep_spares_objects_younger_than_min_age(s3_bucket, alice):
    young = default_storage.save("images/ff/young/full.png", ContentFile(b"another host's"))
    call_command("sweep_orphans", min_age=60, verbosity=0)
    assert young in object_store.objects()


def test_the_sweep_deletes_the_stored_handouts_of_deleted_cases(s3_bucket, alice, client):
    case = make_case(alice, images=1)
    assert client.get(reverse("cases:handout", args=["academic", case.pk])).status_code == 302
    folder = f"generated/handouts/case-{case.pk}/"
    assert {name for name in object_store.objects() if name.startswith(folder)}
    Case.objects.filter(pk=case.pk).delete()
    call_command("sweep_orphans", verbosity=0)
    assert not {name for name in object_store.objects() if name.startswith(folder)}


def test_a_redaction_reads_and_writes_the_bucket(s3_bucket, alice, editor,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
    case = make_case(alice, images=0, status="draft")
    series = add_dicom(case.studies.get(), [secondary_capture(frames=2)])
    before = [stored(image) for image in series.images.order_by("position")]
    old_names = stored_names(case)
    rectangles = text_rectangles()
    with django_capture_on_commit_callbacks(execute=True):
        redact_series(series, rectangles, editor)
    after = [stored(image) for image in series.images.order_by("position")]
    for old, new in zip(before, after, strict=True):
        assert_every_form_redacted(old, new, rectangles)
    assert stored_names(case) <= object_store.objects()
    assert not old_names & object_store.objects()
