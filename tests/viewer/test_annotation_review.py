"""A contributor's mark drawn, changed or deleted on her published case takes the case back to
review and off the public pages at once, as her edits in the admin do (docs/review.md); an
editor's goes live. Every version of a mark is recorded, listed on its case's history for
editors and revertible there."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from tests.factories import client_for, make_case
from tests.pages import text_of
from viewer.models import Annotation

ARROW = {"kind": "arrow", "points": [[10, 12], [40, 30]], "label": ""}
RELABELLED = {"kind": "text", "points": [[5, 5]], "label": "Lucent band"}


@pytest.fixture
def case(alice):
    return make_case(alice, images=1)


def first_image(case):
    return case.studies.get().images.get()


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def draw(client, case):
    return post(client, reverse("viewer:annotate", args=[first_image(case).pk]), ARROW)


def change(client, annotation):
    return post(client, reverse("viewer:annotation", args=[annotation.pk]), RELABELLED)


def delete(client, annotation):
    return client.post(reverse("viewer:delete_annotation", args=[annotation.pk]))


def existing(case, author):
    return Annotation.objects.create(image=first_image(case), author=author, **ARROW)


def status_of(case):
    return Case.objects.values_list("status", flat=True).get(pk=case.pk)


def public_pages_answer(case):
    reader = Client()
    return [reader.get(case.get_absolute_url(workflow)).status_code
            for workflow in ("academic", "standard")]  # fmt: skip


@pytest.mark.parametrize("act", ["draw", "change", "delete"])
def test_a_contributors_mark_on_her_published_case_returns_it_to_review(case, alice, act):
    assert public_pages_answer(case) == [200, 200]  # now cached
    annotation = existing(case, alice) if act != "draw" else None
    client = client_for(alice)

    response = {"draw": lambda: draw(client, case), "change": lambda: change(client, annotation),
                "delete": lambda: delete(client, annotation)}[act]()  # fmt: skip

    assert response.status_code in (200, 201)
    assert "awaits an editor's review" in response.json()["notice"]
    assert status_of(case) == Case.Status.SUBMITTED
    assert public_pages_answer(case) == [404, 404]
    case.refresh_from_db()
    assert case.submitted_by == alice


@pytest.mark.parametrize("act", ["draw", "change", "delete"])
def test_an_editors_mark_on_a_published_case_goes_live(case, alice, editor, act):
    annotation = existing(case, alice) if act != "draw" else None
    client = client_for(editor)

    response = {"draw": lambda: draw(client, case), "change": lambda: change(client, annotation),
                "delete": lambda: delete(client, annotation)}[act]()  # fmt: skip

    assert response.status_code == {"draw": 201, "change": 200, "delete": 204}[act]
    assert act == "delete" or "notice" not in response.json()
    assert status_of(case) == Case.Status.PUBLISHED
    assert public_pages_answer(case) == [200, 200]


def test_a_contributors_mark_on_her_draft_leaves_it_a_draft(alice):
    case = make_case(alice, status=Case.Status.DRAFT)
    response = draw(client_for(alice), case)
    assert response.status_code == 201 and "notice" not in response.json()
    assert status_of(case) == Case.Status.DRAFT


def test_a_refused_mark_leaves_the_case_published(case, alice):
    response = post(client_for(alice), reverse("viewer:annotate", args=[first_image(case).pk]),
                    {**ARROW, "kind": "star"})  # fmt: skip
    assert response.status_code == 400
    assert status_of(case) == Case.Status.PUBLISHED


def test_another_contributor_neither_marks_nor_takes_the_case_off_the_site(case, alice, bob):
    annotation = existing(case, alice)
    client = client_for(bob)
    assert draw(client, case).status_code == 403
    assert change(client, annotation).status_code == 403
    assert delete(client, annotation).status_code == 403
    assert status_of(case) == Case.Status.PUBLISHED
    assert Annotation.objects.get().label == ""


# --- history ------------------------------------------------------------------------------------


def history_url(case):
    return reverse("admin:cases_case_history", args=[case.pk])


def version_url(version):
    return reverse("admin:viewer_annotation_simple_history", args=[version.id, version.history_id])


def test_every_version_of_a_mark_is_recorded_with_who_drew_it(case, alice, editor):
    client = client_for(alice)
    draw(client, case)
    annotation = Annotation.objects.get()
    change(client_for(editor), annotation)
    delete(client, annotation)
    versions = annotation.revisions.order_by("history_date", "history_id")
    assert [(v.history_type, v.history_user, v.label) for v in versions] == [
        ("+", alice, ""), ("~", editor, "Lucent band"), ("-", alice, "Lucent band")
    ]  # fmt: skip


def test_editors_see_a_marks_changes_on_its_cases_history(case, alice, editor):
    annotation = existing(case, alice)
    change(client_for(alice), annotation)
    page = text_of(client_for(editor).get(history_url(case)))
    assert "Text on image" in page and "→ Lucent band" in page


def test_a_deleted_mark_is_restored_from_its_history(case, alice, editor):
    annotation = existing(case, alice)
    delete(client_for(editor), annotation)
    last = Annotation.revisions.get(id=annotation.pk, history_type="+")
    client = client_for(editor)
    page = client.get(version_url(last))
    assert page.status_code == 200
    data = {"kind": "arrow", "points": json.dumps(ARROW["points"]), "label": ""}

    response = client.post(version_url(last), data)

    assert response.status_code == 302
    assert response["Location"] == case.get_admin_url()
    restored = Annotation.objects.get()
    assert (restored.pk, restored.points) == (annotation.pk, ARROW["points"])


def test_a_marks_admin_page_checks_it_as_the_viewer_does(case, alice, editor):
    annotation = existing(case, alice)
    url = reverse("admin:viewer_annotation_change", args=[annotation.pk])
    data = {"kind": "arrow", "points": json.dumps([[1, 2], [10_000, 4]]), "label": ""}
    response = client_for(editor).post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["points"]
    annotation.refresh_from_db()
    assert annotation.points == ARROW["points"]


def test_contributors_see_no_version_of_a_mark_and_others_not_its_page(case, alice, bob):
    annotation = existing(case, alice)
    version = annotation.revisions.get()
    for user in (alice, bob):
        assert client_for(user).get(version_url(version)).status_code in (403, 404)
    page = reverse("admin:viewer_annotation_change", args=[annotation.pk])
    assert client_for(bob).get(page).status_code in (302, 403, 404)
    assert client_for(alice).get(page).status_code == 200
