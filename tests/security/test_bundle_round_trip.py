"""Whatever an upload accepts, a bundle carries back in: a case that `import_study` made from a
folder of pydicom's own sample files exports and imports whole into a fresh installation, and an
installation that lacks the authors' accounts can create them (--create-authors)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cases.models import Case
from tests.dicom_samples import FOLDERS
from tests.factories import make_case
from viewer.models import Image, Series


def contents(case):
    """What a reader sees of a case: texts, and per study its series' images and captions."""
    return {
        "texts": (case.title, case.history, case.diagnosis, case.discussion),
        "studies": [
            (
                study.modality.code,
                study.findings,
                [
                    (series.description, series.modality, series.rows, series.columns,
                     [(image.frame, image.caption) for image in series.images.order_by("position")])
                    for series in study.series.order_by("position", "id")
                ],
            )
            for study in case.studies.order_by("position")
        ],
    }


@pytest.fixture
def sample_case(alice):
    """A case made by import_study from pydicom's own sample files, with texts and captions."""
    call_command("import_study", str(FOLDERS["pydicom"]), author="alice", jobs=1)
    case = Case.objects.get()
    case.history, case.diagnosis = "Imported from samples.", "Sample diagnosis"
    case.save()
    for n, image in enumerate(Image.objects.filter(series__study__case=case)[:5]):
        image.caption = f"Caption {n}"
        image.save()
    return case


def fresh_installation():
    Case.objects.all().delete()
    get_user_model().objects.all().delete()


def test_a_case_made_from_pydicoms_samples_round_trips_through_a_bundle(sample_case, tmp_path):
    before = contents(sample_case)
    call_command("export_cases", str(sample_case.pk), str(tmp_path / "out.zip"))
    fresh_installation()
    call_command("import_cases", str(tmp_path / "out.zip"), "--create-terms", "--create-authors")
    after = contents(Case.objects.get())
    assert after["texts"] == before["texts"]
    assert len(after["studies"]) == len(before["studies"])
    for imported, original in zip(after["studies"], before["studies"], strict=True):
        assert imported == original
    assert Series.objects.count() == len([s for st in before["studies"] for s in st[2]])


def test_without_create_authors_the_import_refuses_naming_the_missing_accounts(bob, tmp_path):
    call_command("export_cases", str(make_case(bob).pk), str(tmp_path / "out.zip"))
    fresh_installation()
    with pytest.raises(CommandError, match="No account for the author.*bob.*--create-authors"):
        call_command("import_cases", str(tmp_path / "out.zip"), "--create-terms")
    assert not Case.objects.exists()
    assert not get_user_model().objects.exists()


def test_with_create_authors_the_authors_accounts_are_created_unable_to_sign_in(bob, tmp_path):
    bob.display_name = "Bob Baker, MD"
    bob.save()
    call_command("export_cases", str(make_case(bob).pk), str(tmp_path / "out.zip"))
    fresh_installation()
    call_command("import_cases", str(tmp_path / "out.zip"), "--create-terms", "--create-authors")
    author = Case.objects.get().author
    assert (author.username, author.display_name) == ("bob", "Bob Baker, MD")
    assert not author.has_usable_password()
    assert not author.is_staff and not author.is_superuser
