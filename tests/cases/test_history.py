"""Every change to a case and its parts is recorded (who, when, what), shown to editors in the
admin and revertible there; a revert is an ordinary save, so what is derived follows."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.caching import content_version
from cases.models import AcceptedAnswer, Case, Differential, Reference
from tests.factories import client_for, make_case
from tests.pages import change_url, post_back, text_of

OLD_TITLE, NEW_TITLE = "Torus fracture of the radius", "Greenstick fracture of the radius"


@pytest.fixture
def case(alice):
    case = make_case(alice, title=OLD_TITLE, findings="Buckled cortex.")
    Differential.objects.create(case=case, diagnosis="Greenstick fracture")
    Reference.objects.create(case=case, citation="Strouse PJ. Radiology 1996;201:27-30.")
    AcceptedAnswer.objects.create(case=case, answer="Buckle fracture")
    return case


def history_url(case):
    return reverse("admin:cases_case_history", args=[case.pk])


def version_url(model, version):
    opts = model._meta
    return reverse(f"admin:cases_{opts.model_name}_simple_history", args=[version.id,
                                                                          version.history_id])


def edit_everything(client, case):
    return post_back(
        client,
        change_url(case),
        title=NEW_TITLE,
        **{
            "studies-0-findings": "Angulated cortex.",
            "differentials-0-diagnosis": "Plastic bowing",
            "references-0-citation": "Another citation.",
            "accepted_answers-0-answer": "Torus",
        },
    )


def revert(client, model, version):
    """Post the version's revert form as the page offers it."""
    page = client.get(version_url(model, version))
    assert page.status_code == 200
    data = dict(_fields(page.context["adminform"].form))
    return client.post(version_url(model, version), data)


def _fields(form):
    for bound in form:
        value = bound.value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                yield bound.html_name, "on"
            continue
        yield bound.html_name, value


def test_every_change_to_a_case_and_its_parts_is_recorded_with_who_made_it(case, editor):
    edit_everything(client_for(editor), case)
    for model, field, old, new in [
        (Case, "title", OLD_TITLE, NEW_TITLE),
        (case.studies.get().__class__, "findings", "Buckled cortex.", "Angulated cortex."),
        (Differential, "diagnosis", "Greenstick fracture", "Plastic bowing"),
        (Reference, "citation", "Strouse PJ. Radiology 1996;201:27-30.", "Another citation."),
        (AcceptedAnswer, "answer", "Buckle fracture", "Torus"),
    ]:
        key = "id" if model is Case else "case_id"
        rows = model.revisions.filter(**{key: case.pk})
        latest, before = rows.order_by("-history_date", "-history_id")[:2]
        assert latest.history_user == editor, model
        change = {c.field: (c.old, c.new) for c in latest.diff_against(before).changes}
        assert change[field] == (old, new), model


def test_editors_see_what_changed_in_the_case_and_its_parts(case, editor):
    client = client_for(editor)
    edit_everything(client, case)
    page = text_of(client.get(history_url(case)))
    for old, new in [
        (OLD_TITLE, NEW_TITLE),
        ("Buckled cortex.", "Angulated cortex."),
        ("Greenstick fracture", "Plastic bowing"),
        ("Buckle fracture", "Torus"),
    ]:
        assert f"{old} → {new}" in page
    assert "erin" in page


def test_the_history_link_is_offered_to_editors_only(case, editor, alice):
    assert history_url(case) in client_for(editor).get(change_url(case)).content.decode()
    assert history_url(case) not in client_for(alice).get(change_url(case)).content.decode()


def test_contributors_see_no_history_even_of_their_own_case(case, alice, bob):
    differential = case.differentials.get()
    version = differential.revisions.first()
    urls = [
        history_url(case),
        version_url(Case, case.revisions.first()),
        reverse("admin:cases_study_history", args=[case.studies.get().pk]),
        reverse("admin:cases_differential_history", args=[differential.pk]),
        version_url(Differential, version),
    ]
    for user in (alice, bob):
        for url in urls:
            assert client_for(user).get(url).status_code in (403, 404), url


def test_a_revert_is_saved_like_any_change_and_what_is_derived_follows(case, editor):
    client = client_for(editor)
    reader = Client()
    vector = Case.objects.values_list("search_standard", flat=True)
    searched_before = vector.get(pk=case.pk)
    assert OLD_TITLE in text_of(reader.get(case.get_absolute_url("standard")))  # now cached
    post_back(client, change_url(case), title=NEW_TITLE)
    assert NEW_TITLE in text_of(reader.get(case.get_absolute_url("standard")))
    if connection.vendor == "postgresql":
        assert vector.get(pk=case.pk) != searched_before
    before_revert = content_version()
    old = case.revisions.filter(title=OLD_TITLE).order_by("-history_date").first()

    response = revert(client, Case, old)

    assert response.status_code == 302
    assert content_version() != before_revert
    assert OLD_TITLE in text_of(reader.get(case.get_absolute_url("standard")))
    assert case.revisions.order_by("-history_date").first().history_user == editor
    if connection.vendor == "postgresql":  # search vectors exist there only
        assert vector.get(pk=case.pk) == searched_before


def test_a_deleted_part_is_restored_from_its_history(case, editor):
    client = client_for(editor)
    differential = case.differentials.get()
    post_back(client, change_url(case), **{"differentials-0-DELETE": "on"})
    assert not case.differentials.exists()
    last = Differential.revisions.filter(id=differential.pk, history_type="+").get()
    page = text_of(client.get(history_url(case)))
    assert "Deleted" in page

    response = revert(client, Differential, last)

    assert response.status_code == 302
    assert list(case.differentials.values_list("diagnosis", flat=True)) == ["Greenstick fracture"]
    assert "Greenstick fracture" in text_of(Client().get(case.get_absolute_url("standard")))


def test_the_history_page_takes_as_many_queries_for_many_changes_as_for_few(case, editor):
    client = client_for(editor)

    def queries_after(edits):
        for n in range(edits):
            post_back(client, change_url(case), title=f"Title {n}",
                      **{"differentials-0-diagnosis": f"Diagnosis {n}"})  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            assert client.get(history_url(case)).status_code == 200
        return len(queries)

    assert queries_after(1) == queries_after(5)


def test_loading_data_without_a_request_records_no_user(alice):
    case = make_case(alice)
    assert case.revisions.get().history_user is None
