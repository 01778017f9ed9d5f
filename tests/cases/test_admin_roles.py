"""Who may do what in the admin: contributors write and change their own cases, editors change
any case and publish, readers (attendings, residents) never get in."""

import pytest
from django.urls import reverse

from cases.models import Case, Study
from tests.factories import client_for, make_case
from tests.pages import change_url, form_data, study_url


def admin_post(client, url, **changes):
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page)
    data.update(changes)
    return client.post(url, data)


@pytest.fixture
def alices_case(alice):
    return make_case(alice, title="Alice's draft", status=Case.Status.DRAFT)


@pytest.fixture
def bobs_case(bob):
    return make_case(bob, title="Bob's draft", status=Case.Status.DRAFT)


# --- who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["attending", "resident"])
def test_readers_cannot_reach_the_admin(persona, request):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_visitors_are_sent_to_the_admin_login(db):
    response = client_for(None).get(reverse("admin:cases_case_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("persona", ["alice", "editor"])
def test_contributors_and_editors_reach_the_admin(persona, request):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("admin:index")).status_code == 200


# --- contributors -----------------------------------------------------------------------------


def test_a_contributor_lists_only_her_own_cases(alices_case, bobs_case, alice):
    response = client_for(alice).get(reverse("admin:cases_case_changelist"))
    assert response.status_code == 200
    assert [case.pk for case in response.context["cl"].result_list] == [alices_case.pk]
    assert "Bob&#x27;s draft" not in response.content.decode()
    assert "Bob's draft" not in response.content.decode()


def test_a_contributor_cannot_open_another_contributors_case(alices_case, bobs_case, alice):
    client = client_for(alice)
    response = client.get(change_url(bobs_case))
    # The admin answers for an object outside get_queryset as for a missing one.
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"] == reverse("admin:index")
    landed = client.get(change_url(bobs_case), follow=True)
    assert "Bob's draft" not in landed.content.decode()
    assert "Bob&#x27;s draft" not in landed.content.decode()


def test_a_contributor_cannot_change_another_contributors_case(bobs_case, alice, editor):
    # A complete, valid form for Bob's case (as an editor sees it), posted by Alice.
    data = form_data(client_for(editor).get(change_url(bobs_case)))
    data.update(title="Taken over", diagnosis="Taken over")
    response = client_for(alice).post(change_url(bobs_case), data)
    assert response.status_code in (302, 403, 404)
    bobs_case.refresh_from_db()
    assert bobs_case.title == "Bob's draft"
    assert bobs_case.author.username == "bob"


def test_a_contributor_cannot_delete_another_contributors_case(bobs_case, alice):
    url = reverse("admin:cases_case_delete", args=[bobs_case.pk])
    client = client_for(alice)
    client.post(url, {"post": "yes"})
    assert Case.objects.filter(pk=bobs_case.pk).exists()


def test_a_contributor_changes_her_own_case(alices_case, alice):
    response = admin_post(client_for(alice), change_url(alices_case), title="Better title")
    assert response.status_code == 302, response.context["errors"]
    alices_case.refresh_from_db()
    assert alices_case.title == "Better title"


def test_a_contributor_adds_a_draft_under_her_own_name(alice, bob):
    client = client_for(alice)
    url = reverse("admin:cases_case_add")
    page = client.get(url)
    assert "status" not in page.context["adminform"].form.fields
    assert "author" not in page.context["adminform"].form.fields
    data = form_data(page)
    data.update(
        title="New case",
        history="Limp for a week.",
        anatomy=page.context["adminform"].form.fields["anatomy"].queryset.first().pk,
        category=page.context["adminform"].form.fields["category"].queryset.first().pk,
        diagnosis="Transient synovitis",
        status="published",
        author=bob.pk,
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    case = Case.objects.get(title="New case")
    assert case.author == alice
    assert case.status == Case.Status.DRAFT
    assert case.published_at is None


def test_a_contributor_cannot_publish_by_posting_the_status(alices_case, alice):
    response = admin_post(client_for(alice), change_url(alices_case), status="published")
    assert response.status_code == 302
    alices_case.refresh_from_db()
    assert alices_case.status == Case.Status.DRAFT


def test_a_contributor_is_not_offered_the_publish_action(alices_case, alice):
    client = client_for(alice)
    response = client.get(reverse("admin:cases_case_changelist"))
    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "publish" not in actions
    assert "unpublish" not in actions
    client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "publish", "_selected_action": [alices_case.pk]},
    )
    alices_case.refresh_from_db()
    assert alices_case.status == Case.Status.DRAFT


def test_a_contributor_edits_only_her_own_studies(alices_case, bobs_case, alice, editor):
    client = client_for(alice)
    assert client.get(study_url(alices_case.studies.get())).status_code == 200
    bobs_study = bobs_case.studies.get()
    response = client.get(study_url(bobs_study))
    assert response.status_code in (302, 403, 404)
    data = form_data(client_for(editor).get(study_url(bobs_study)))
    client.post(study_url(bobs_study), {**data, "findings": "Mine"})
    bobs_study.refresh_from_db()
    assert bobs_study.findings == ""


def test_a_contributor_cannot_open_another_contributors_images_through_the_study(
    bobs_case, alice
):
    image = bobs_case.studies.get().images.get()
    response = client_for(alice).get(study_url(bobs_case.studies.get()))
    assert image.thumbnail_url() not in response.content.decode()


# --- editors ----------------------------------------------------------------------------------


def test_an_editor_lists_every_case(alices_case, bobs_case, editor):
    response = client_for(editor).get(reverse("admin:cases_case_changelist"))
    assert {case.pk for case in response.context["cl"].result_list} == {
        alices_case.pk,
        bobs_case.pk,
    }


def test_an_editor_changes_any_case(bobs_case, editor):
    response = admin_post(client_for(editor), change_url(bobs_case), title="Edited")
    assert response.status_code == 302, response.context["errors"]
    bobs_case.refresh_from_db()
    assert bobs_case.title == "Edited"
    assert bobs_case.author.username == "bob"


def test_an_editor_publishes_with_the_publish_action(alices_case, bobs_case, editor):
    alices_case.submit(alices_case.author)
    bobs_case.submit(bobs_case.author)
    response = client_for(editor).post(
        reverse("admin:cases_case_changelist"),
        {"action": "publish", "_selected_action": [alices_case.pk, bobs_case.pk]},
    )
    assert response.status_code == 302
    for case in (alices_case, bobs_case):
        case.refresh_from_db()
        assert case.status == Case.Status.PUBLISHED
        assert case.published_at is not None
    assert client_for(None).get(bobs_case.get_absolute_url()).status_code == 200


def test_an_editor_returns_a_case_to_draft(bob, editor):
    case = make_case(bob)
    client_for(editor).post(
        reverse("admin:cases_case_changelist"),
        {"action": "unpublish", "_selected_action": [case.pk]},
    )
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    assert client_for(None).get(case.get_absolute_url()).status_code == 404


def test_an_editor_publishes_from_the_change_form(bobs_case, editor):
    bobs_case.submit(bobs_case.author)
    response = admin_post(client_for(editor), change_url(bobs_case), status="published")
    assert response.status_code == 302, response.context["errors"]
    bobs_case.refresh_from_db()
    assert bobs_case.status == Case.Status.PUBLISHED
    assert bobs_case.published_at is not None


def test_an_editor_edits_any_study(bobs_case, editor):
    study = bobs_case.studies.get()
    response = admin_post(client_for(editor), study_url(study), findings="Metaphyseal lucency")
    assert response.status_code == 302, response.context["errors"]
    assert Study.objects.get(pk=study.pk).findings == "Metaphyseal lucency"
