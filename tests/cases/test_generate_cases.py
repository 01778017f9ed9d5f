"""`manage.py generate_cases`: many synthetic published cases by bulk insert, which must look to
the site like cases saved one by one."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from taggit.models import TaggedItem

from cases.ages import age_in_days
from cases.models import Anatomy, Case, DiagnosticCategory, Modality, Reference
from cases.statistics import repository_statistics
from cases.synthetic.writer import USERNAME_PREFIX, Writer
from tests.pages import text_of
from viewer.models import Image


def generate(count=50, **options):
    out = StringIO()
    call_command("generate_cases", count, images_per_case=2, seed=1, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def generated(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        generate()
    return Case.objects.all()


def test_it_creates_published_cases_with_everything_a_case_page_shows(generated):
    assert generated.published().count() == 50
    for case in generated.prefetch_related("studies__series", "studies__images"):
        assert case.published_at is not None and case.published_at >= case.created
        assert case.age_days == age_in_days(case.age_value, case.age_unit)
        assert case.author.username.startswith(USERNAME_PREFIX)
        assert 2 <= case.differentials.count() <= 4
        assert 1 <= case.references.count() <= 3
        studies = list(case.studies.all())
        assert 1 <= len(studies) <= 2
        for study in studies:
            assert len(study.series.all()) == 1
            assert len(study.images.all()) == 2
            assert {image.series_id for image in study.images.all()} == {study.series.get().pk}
        first = Image.objects.filter(study=studies[0]).order_by("position").first()
        assert case.cover_image == first


def test_its_cases_use_only_seeded_vocabularies(generated):
    anatomies = set(Anatomy.objects.values_list("pk", flat=True))
    assert set(generated.values_list("anatomy", flat=True)) <= anatomies
    assert set(generated.values_list("category", flat=True)) <= set(
        DiagnosticCategory.objects.values_list("pk", flat=True)
    )
    assert set(generated.values_list("studies__modality", flat=True)) <= set(
        Modality.objects.values_list("pk", flat=True)
    )
    for field in ("sex", "difficulty", "certainty", "age_unit"):
        choices = {value for value, _ in Case._meta.get_field(field).choices}
        assert set(generated.values_list(field, flat=True)) <= choices, field


def test_its_references_carry_test_prefix_dois(generated):
    dois = Reference.objects.values_list("doi", flat=True)
    assert dois and all(doi.startswith("10.5555/synthetic.") for doi in dois)
    assert not Reference.objects.exclude(pmid=None).exists()  # no fake PMID points at a real paper


def test_its_histories_read_as_a_referral(generated):
    case = generated.filter(age_unit=Case.AgeUnit.YEARS, age_value__gt=1).first()
    assert case.history.startswith(f"{case.age_value} year old with ")


def test_its_cases_are_tagged(generated):
    assert TaggedItem.objects.filter(object_id__in=generated.values("pk")).exists()
    assert Case.objects.filter(tags__name="PEDS").exists()


def test_its_images_share_a_few_stored_files_that_exist(generated):
    image = Image.objects.first()
    names = set(Image.objects.values_list("thumbnail", flat=True))
    assert len(names) <= 8
    assert image.thumbnail.storage.exists(image.thumbnail.name)
    assert image.thumbnail.name.startswith("images/synthetic/")


def test_browse_and_case_pages_show_them(generated):
    client = Client()
    browse = client.get(reverse("cases:browse", args=["standard"]))
    assert browse.status_code == 200
    newest = generated.order_by("-published_at", "-id").first()
    assert newest.title in text_of(browse)
    for case in generated[:5]:
        response = client.get(case.get_absolute_url())
        assert response.status_code == 200
        assert case.title in text_of(response)
        url = reverse("viewer:image_file", args=[case.cover_image_id, "thumbnail"])
        thumbnail = client.get(url)
        assert thumbnail.status_code == 200
        b"".join(thumbnail.streaming_content)


@pytest.mark.django_db
def test_the_homepage_statistics_count_them_at_once(django_capture_on_commit_callbacks):
    assert repository_statistics()["cases"] == 0  # fills the cache

    with django_capture_on_commit_callbacks(execute=True):
        generate()

    assert repository_statistics() == {
        "cases": 50,
        "images": Image.objects.count(),
        "contributors": get_user_model().objects.filter(cases__isnull=False).distinct().count(),
    }
    assert "Hosting 50 cases" in text_of(Client().get(reverse("cases:home")))


@pytest.mark.django_db
def test_running_it_twice_adds_twice_as_many(django_capture_on_commit_callbacks):
    generate()
    generate()
    assert Case.objects.count() == 100
    assert get_user_model().objects.filter(username__startswith=USERNAME_PREFIX).count() == 6


@pytest.mark.django_db
def test_the_same_seed_makes_the_same_titles():
    generate(count=20)
    first = list(Case.objects.order_by("pk").values_list("title", "history", "age_days"))
    Case.objects.all().delete()

    generate(count=20)

    assert list(Case.objects.order_by("pk").values_list("title", "history", "age_days")) == first


@pytest.mark.django_db
def test_batches_smaller_than_the_count_make_all_the_cases():
    output = generate(count=25, batch=10)
    assert Case.objects.count() == 25
    assert output.count("/25 cases, ") == 3
    assert "generated: 25 cases, " in output


@pytest.mark.django_db
def test_a_draft_has_between_two_and_four_differentials_not_its_own_diagnosis():
    writer = Writer(seed=3)
    for number in range(30):
        draft = writer.draft(number)
        names = [d.diagnosis for d in draft.differentials]
        assert 2 <= len(names) <= 4
        assert draft.diagnosis not in names


@pytest.mark.django_db
def test_deleting_a_case_leaves_the_pictures_other_cases_share(django_capture_on_commit_callbacks):
    generate(count=10)
    storage = Image.objects.first().full.storage
    names = set(Image.objects.values_list("full", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        Case.objects.order_by("pk").first().delete()

    remaining = set(Image.objects.values_list("full", flat=True))
    assert remaining and all(storage.exists(name) for name in remaining)

    with django_capture_on_commit_callbacks(execute=True):
        Case.objects.all().delete()

    assert not any(storage.exists(name) for name in names)
