"""Case bundles: export_cases writes cases and their images to a .zip, import_cases reads it back
through the upload pipeline, all or nothing (cases/bundle/, docs/bundle.md)."""

import json
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from cases.bundle import SCHEMA_PATH
from cases.models import AcceptedAnswer, Case, Differential, Modality, Reference, Study
from dicom.archive import Member
from tests.dicom_factory import ct_series, ultrasound
from tests.factories import make_case
from viewer.models import Image, Instance, Series
from viewer.uploads import add_files

CAPTIONS = ("Lateral view: the fracture line", "AP view")


def add_ct(case, count=3):
    """A CT study of `count` slices, uploaded through the ingest pipeline like any upload."""
    study = Study.objects.create(
        case=case,
        modality=Modality.objects.get(code="CT"),
        description="CT wrist",
        findings="Fracture through the physis.",
        position=1,
    )
    members = [
        Member(f"slice{n}.dcm", lambda data=data: BytesIO(data), len(data))
        for n, data in enumerate(ct_series(count))
    ]
    add_files(case, members, study=study)
    return study


def full_case(author, **fields):
    """A published case with everything a bundle carries: pictures with captions, a CT series,
    tags, differentials and accepted answers in order and references."""
    case = make_case(author, images=2, captions=CAPTIONS, tags=["PEDS", "classic"], **fields)
    add_ct(case)
    Differential.objects.create(case=case, diagnosis="Buckle fracture", position=0)
    Differential.objects.create(case=case, diagnosis="Normal physis", position=1)
    AcceptedAnswer.objects.create(case=case, answer="SH2 fracture", position=0)
    AcceptedAnswer.objects.create(case=case, answer="Salter 2", position=1)
    Reference.objects.create(
        case=case, citation="Salter RB, Harris WR. JBJS 1963;45:587.", pmid=123, doi="10.1/x"
    )
    case.refresh_from_db()
    return case


def export(path, *ids):
    call_command("export_cases", *(map(str, ids) if ids else ["--all"]), str(path))
    return path


def import_(path, *options):
    call_command("import_cases", str(path), *options)


def case_documents(path):
    with zipfile.ZipFile(path) as archive:
        return {
            name: archive.read(name).decode()
            for name in archive.namelist()
            if name == "manifest.json" or name.endswith("case.json")
        }


def rewrite(path, out, changes):
    """A copy of the bundle with members replaced ({name: bytes}) or removed ({name: None})."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in changes:
                target.writestr(name, source.read(name))
        for name, data in changes.items():
            if data is not None:
                target.writestr(name, data)
    return out


def edited(path, name, edit):
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read(name))
    edit(document)
    return json.dumps(document).encode()


def stored_files():
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


# --- export ------------------------------------------------------------------------------------


def test_it_writes_a_manifest_and_a_document_per_case(alice, tmp_path):
    case = full_case(alice)
    bundle = export(tmp_path / "out.zip", case.pk)
    with zipfile.ZipFile(bundle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        document = json.loads(archive.read("cases/1/case.json"))
        names = set(archive.namelist())
    assert manifest == {
        "format": "teaching-case-bundle", "version": 1, "cases": ["cases/1/case.json"]
    }
    assert document["author"] == {"username": "alice", "display_name": "alice"}
    assert document["anatomy"]["slug"] == "musculoskeletal"
    assert document["differentials"] == ["Buckle fracture", "Normal physis"]
    assert document["accepted_answers"] == ["SH2 fracture", "Salter 2"]
    assert document["tags"] == ["PEDS", "classic"]
    pictures, ct = document["studies"][0]["series"][0], document["studies"][1]["series"][0]
    assert [image["caption"] for image in pictures["images"]] == list(CAPTIONS)
    assert ct["kind"] == "dicom" and ct["dicom"]["rows"] == 128
    assert {f"cases/1/{image['file']}" for image in pictures["images"] + ct["images"]} <= names
    assert document["cover"] == {"study": 0, "series": 0, "image": 0}


def test_its_documents_hold_no_ids_paths_or_uids(alice, tmp_path):
    case = full_case(alice)
    text = case_documents(export(tmp_path / "out.zip", case.pk))["cases/1/case.json"]
    study = case.studies.get(modality__code="CT")
    series = study.series.get()
    instance = series.instances.first()
    for secret in (series.uid, instance.sop_uid, instance.file.name, "images/", '"id"'):
        assert secret not in text


def test_it_refuses_unknown_case_ids(alice, tmp_path):
    with pytest.raises(CommandError, match="No case 999"):
        export(tmp_path / "out.zip", 999)


def test_it_wants_ids_or_all_but_not_both(alice, tmp_path):
    with pytest.raises(CommandError, match="ids or --all"):
        call_command("export_cases", "--all", "1", str(tmp_path / "out.zip"))


# --- round trip --------------------------------------------------------------------------------


def test_export_import_export_gives_the_same_documents(alice, bob, tmp_path):
    full_case(alice)
    make_case(bob, images=0, title="Draft without images", status=Case.Status.DRAFT, age_value=None)
    first = export(tmp_path / "first.zip")
    Case.objects.all().delete()

    import_(first)

    second = export(tmp_path / "second.zip")
    assert case_documents(second) == case_documents(first)


def test_it_keeps_captions_order_dicom_and_pictures(alice, tmp_path):
    bundle = export(tmp_path / "out.zip", full_case(alice).pk)
    Case.objects.all().delete()

    import_(bundle)

    case = Case.objects.get()
    pictures, ct = case.studies.order_by("position")
    assert [i.caption for i in pictures.images.order_by("position")] == list(CAPTIONS)
    assert ct.series.get().uid and ct.uid
    assert Instance.objects.filter(series__study=ct).count() == 3
    slices = [image.meta["position"][2] for image in ct.images.order_by("position")]
    assert slices == sorted(slices)
    assert all(image.pixels for image in ct.images.all())
    assert case.cover_image == pictures.images.order_by("position").first()
    assert case.status == Case.Status.PUBLISHED


def test_it_imports_as_draft_when_told(alice, tmp_path):
    bundle = export(tmp_path / "out.zip", make_case(alice).pk)
    Case.objects.all().delete()
    import_(bundle, "--as-draft")
    case = Case.objects.get()
    assert case.status == Case.Status.DRAFT and case.published_at is None


def test_a_case_awaiting_review_joins_the_review_queue_when_imported(alice, tmp_path):
    case = make_case(alice, status=Case.Status.DRAFT)
    case.submit(alice)
    bundle = export(tmp_path / "out.zip", case.pk)
    Case.objects.all().delete()
    import_(bundle)
    assert list(Case.objects.awaiting_review()) == [Case.objects.get()]
    assert Case.objects.get().submitted_at is not None


def test_it_keeps_the_confirmation_that_a_series_shows_no_burned_in_text(alice, tmp_path):
    case = make_case(alice, images=0, modality="US")
    data = ultrasound()
    study = case.studies.get()
    add_files(case, [Member("us.dcm", lambda: BytesIO(data), len(data))], study=study)
    study.series.get().confirm_no_burned_in_text(alice)
    first = export(tmp_path / "first.zip")
    Case.objects.all().delete()

    import_(first)

    series = Series.objects.get()
    assert series.burned_in and series.burned_in_confirmed_at is not None
    assert case_documents(export(tmp_path / "second.zip")) == case_documents(first)


# --- authors -----------------------------------------------------------------------------------


def test_it_gives_cases_to_the_account_of_the_same_username(alice, bob, tmp_path):
    bundle = export(tmp_path / "out.zip", make_case(bob).pk)
    Case.objects.all().delete()
    import_(bundle, "--author", "alice")
    assert Case.objects.get().author == bob


def test_it_gives_cases_of_unknown_authors_to_the_author_given(alice, bob, tmp_path):
    bundle = export(tmp_path / "out.zip", make_case(bob).pk)
    Case.objects.all().delete()
    bob.delete()
    import_(bundle, "--author", "alice")
    assert Case.objects.get().author == alice


def test_it_refuses_unknown_authors_without_author_given(alice, bob, tmp_path):
    bundle = export(tmp_path / "out.zip", make_case(bob).pk)
    Case.objects.all().delete()
    bob.delete()
    with pytest.raises(CommandError, match="No account for the author.*bob.*--author"):
        import_(bundle)
    assert not Case.objects.exists()


# --- re-import ---------------------------------------------------------------------------------


def test_reimport_updates_the_case_instead_of_duplicating_it(alice, tmp_path):
    case = full_case(alice)
    bundle = export(tmp_path / "out.zip", case.pk)
    changed = rewrite(
        bundle,
        tmp_path / "changed.zip",
        {"cases/1/case.json": edited(bundle, "cases/1/case.json", lambda d: d.update(title="New"))},
    )
    images = Image.objects.count()

    import_(changed)

    case.refresh_from_db()
    assert Case.objects.count() == 1
    assert case.title == "New"
    assert Image.objects.count() == images  # the old images replaced, not kept beside the new
    assert case.differentials.count() == 2 and case.references.count() == 1
    assert list(case.accepted_answers.values_list("answer", flat=True)) == [
        "SH2 fracture", "Salter 2"
    ]


def test_a_bundle_written_before_accepted_answers_still_imports(alice, tmp_path):
    bundle = export(tmp_path / "out.zip", full_case(alice).pk)
    Case.objects.all().delete()
    older = rewrite(bundle, tmp_path / "older.zip", {
        "cases/1/case.json": edited(
            bundle, "cases/1/case.json", lambda d: d.pop("accepted_answers")
        )
    })

    import_(older)

    case = Case.objects.get()
    assert case.accepted_answers.count() == 0
    assert case.differentials.count() == 2
    assert sorted(case.tags.names()) == ["PEDS", "classic"]


# --- broken bundles ----------------------------------------------------------------------------


def _drop_title(document):
    del document["title"]


def _unknown_anatomy(document):
    document["anatomy"] = {"name": "Xenoanatomy", "slug": "xeno"}


def _first_dicom(bundle):
    with zipfile.ZipFile(bundle) as archive:
        return next(name for name in archive.namelist() if name.endswith(".dcm"))


BREAKAGES = {
    "bad JSON": (
        lambda b: {"cases/2/case.json": b"{not json"}, "cases/2/case.json: not valid JSON"
    ),
    "missing title": (
        lambda b: {"cases/2/case.json": edited(b, "cases/2/case.json", _drop_title)},
        r"cases/2/case.json: does not follow .*\n  at \$: 'title' is a required property",
    ),
    "wrong version": (
        lambda b: {"manifest.json": edited(b, "manifest.json", lambda d: d.update(version=2))},
        r"(?s)manifest.json: .*at \$.version: 1 was expected",
    ),
    "missing image file": (lambda b: {_first_dicom(b): None}, r"at \$.studies\[1\].series\[0\]"),
    "corrupt DICOM": (lambda b: {_first_dicom(b): b"\0" * 300 + b"nope"}, r"\.dcm: "),
    "zip slip": (lambda b: {"../evil.txt": b"x"}, r"climbs out of the zip's folder"),
    "unknown term": (
        lambda b: {"cases/2/case.json": edited(b, "cases/2/case.json", _unknown_anatomy)},
        "(?s)Terms missing .*anatomy: Xenoanatomy.*--create-terms",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_it_refuses_a_broken_bundle_and_imports_nothing(breakage, alice, tmp_path):
    make_case(alice, title="A good case first")
    full_case(alice)
    bundle = export(tmp_path / "out.zip")
    Case.objects.all().delete()
    change, message = BREAKAGES[breakage]
    broken = rewrite(bundle, tmp_path / "broken.zip", change(bundle))
    files = stored_files()

    with pytest.raises(CommandError, match=message):
        import_(broken)

    assert not Case.objects.exists() and not Series.objects.exists()
    assert stored_files() == files


def test_a_failed_reimport_leaves_the_case_as_it_was(alice, tmp_path):
    case = full_case(alice)
    bundle = export(tmp_path / "out.zip", case.pk)
    broken = rewrite(bundle, tmp_path / "broken.zip", {_first_dicom(bundle): b"not dicom"})
    images = set(Image.objects.values_list("pk", flat=True))

    with pytest.raises(CommandError):
        import_(broken)

    assert set(Image.objects.values_list("pk", flat=True)) == images
    assert Case.objects.get().title == case.title


def test_it_creates_missing_terms_when_told(alice, tmp_path):
    bundle = export(tmp_path / "out.zip", make_case(alice).pk)
    Case.objects.all().delete()
    changed = rewrite(
        bundle,
        tmp_path / "changed.zip",
        {"cases/1/case.json": edited(bundle, "cases/1/case.json", _unknown_anatomy)},
    )
    import_(changed, "--create-terms")
    assert Case.objects.get().anatomy.name == "Xenoanatomy"


# --- the schema --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, choices",
    [
        ("sex", Case.Sex),
        ("difficulty", Case.Difficulty),
        ("status", Case.Status),
    ],
)
def test_the_schema_lists_the_models_choices(field, choices):
    schema = json.loads(SCHEMA_PATH.read_text())
    assert set(schema["$defs"]["case"]["properties"][field]["enum"]) == set(choices.values)


def test_the_schema_lists_the_models_optional_choices():
    properties = json.loads(SCHEMA_PATH.read_text())["$defs"]["case"]["properties"]
    assert set(properties["age_unit"]["enum"]) == {*Case.AgeUnit.values, ""}
    assert set(properties["certainty"]["enum"]) == {*Case.Certainty.values, ""}
