import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from taggit.models import TaggedItem

from cases.management.commands.seed_demo import CASES, PASSWORD
from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Reference, Study
from repository.env import env_list
from tests.factories import client_for
from tests.repository.checkout import env_lines, write_env_as_make_run_does
from viewer.models import Image, Series

DEMO_USERS = {
    "editor": "Editors",
    "contributor": "Contributors",
    "attending": "Attendings",
    "resident": "Residents",
}


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts():
    models = [Case, Study, Series, Image, Differential, Reference, TaggedItem, get_user_model()]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_seed_demo_creates_published_cases_with_images_and_the_four_accounts():
    seed()

    cases = Case.objects.all()
    assert cases.count() == len(CASES)
    for case in cases:
        assert case.is_published and case.published_at is not None
        assert case.studies.exists() and case.differentials.exists() and case.references.exists()
        assert Image.objects.filter(study__case=case).exists(), case.title
        assert case.cover_image_id is not None
    users = get_user_model().objects.filter(username__in=DEMO_USERS)
    assert {user.username: user.groups.get().name for user in users} == DEMO_USERS


@pytest.mark.django_db
def test_running_seed_demo_twice_duplicates_nothing():
    seed()
    first = row_counts()

    output = seed()

    assert row_counts() == first
    assert output.count("exists, left alone") == len(CASES)


@pytest.mark.django_db
def test_the_leukemia_case_follows_the_teaching_case_it_is_modelled_on():
    seed()

    case = Case.objects.get(title="Precursor B acute lymphoblastic leukemia")
    assert case.history == "4 year old with several week history of arthralgias and pancytopenia"
    assert case.age_display == "4 years"
    assert list(case.differentials.values_list("diagnosis", flat=True)) == [
        "Neuroblastoma metastases",
        "Osteomyelitis",
        "Langerhans cell histiocytosis",
        "Juvenile idiopathic arthritis",
    ]
    assert case.references.first().citation.startswith("Sinigaglia R, et al.")
    assert list(case.tags.names()) == ["PEDS"]
    assert case.studies.get().modality.code == "CR"


@pytest.mark.django_db
def test_the_mri_stack_has_one_image_per_frame_in_one_series():
    seed()

    study = Study.objects.get(case__title="Normal myelination for age on T1-weighted MRI")
    series = study.series.get()
    assert list(series.images.values_list("position", flat=True)) == list(range(10))
    assert series.images.first().caption.startswith("Sagittal T1, slice 1 of 10")


@pytest.mark.django_db
def test_the_demo_accounts_log_in_with_the_documented_password_and_only_staff_reach_the_admin():
    output = seed()

    for username in DEMO_USERS:
        user = get_user_model().objects.get(username=username)
        assert user.check_password(PASSWORD)
        assert user.is_staff == (username in ("editor", "contributor"))
        assert username in output
    assert PASSWORD in output


@pytest.mark.django_db
def test_after_make_run_the_resident_reads_academic_only_and_the_others_standard_too(
    tmp_path, monkeypatch
):
    env_file = write_env_as_make_run_does(tmp_path / ".env")
    monkeypatch.setenv("STANDARD_WORKFLOW_GROUPS", env_lines(env_file)["STANDARD_WORKFLOW_GROUPS"])

    with override_settings(STANDARD_WORKFLOW_GROUPS=env_list("STANDARD_WORKFLOW_GROUPS")):
        output = seed()
        assert "resident     demo-password-2026   Residents; academic only" in output
        for username in DEMO_USERS:
            client = client_for(get_user_model().objects.get(username=username))
            standard = client.get(reverse("cases:browse", args=["standard"]))
            assert standard.status_code == (403 if username == "resident" else 200), username
            assert client.get(reverse("cases:browse", args=["academic"])).status_code == 200


@pytest.mark.django_db
def test_seed_demo_leaves_an_existing_case_with_the_same_title_alone():
    author = get_user_model().objects.create_user("someone")
    Case.objects.create(
        title=CASES[0].title,
        history="Written by hand",
        anatomy=Anatomy.objects.first(),
        category=DiagnosticCategory.objects.first(),
        diagnosis="Ours",
        author=author,
    )

    seed()

    case = Case.objects.get(title=CASES[0].title)
    assert (case.history, case.author, case.studies.count()) == ("Written by hand", author, 0)


@pytest.mark.django_db
def test_seed_demo_explains_how_to_install_the_samples_when_pydicom_data_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "data_store", None)  # makes `import data_store` fail

    with pytest.raises(CommandError, match=r"pip install '\.\[demo\]'"):
        seed()
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_the_ultrasound_cover_shows_the_image_only_not_the_text_the_scanner_burned_in():
    """Below the image the scanner wrote "LYMPH NODE": in academic browse the thumbnail would
    give the answer away. The crop keeps rows 104 to 338 of the 480."""
    seed()
    case = Case.objects.get(title="Reactive cervical lymphadenitis")
    cover = case.cover_image
    assert (cover.width, cover.height) == (640, 234)
