"""A case's history holds everything it ever said, answers included: it lives in the admin only.
Every URL that shows or reverts a version, and the review queue and pages, refuse academic
readers (a stranger, a resident, an attending) and send them none of the markers; the public
pages of a case under review send nothing either. (The academic-leak crawl walks every named URL
outside the admin; these are the admin's.)"""

import pytest
from django.urls import reverse

from cases.models import AcceptedAnswer, Case, Differential, Reference, Study
from tests.factories import client_for, marker_case
from tests.pages import leaked
from viewer.models import Annotation

PARTS = {Study: "studies", Differential: "differentials", AcceptedAnswer: "accepted_answers",
         Reference: "references"}  # fmt: skip


@pytest.fixture
def case(alice, editor):
    """A marker case with a history (an editor's change), awaiting review again."""
    case = marker_case(alice)
    case.title = case.title + " (edited)"
    case.save()
    case.submit(alice)
    return case


def admin_urls(case):
    urls = [
        reverse("admin:cases_caseawaitingreview_changelist"),
        reverse("admin:cases_case_review", args=[case.pk]),
        reverse("admin:cases_case_history", args=[case.pk]),
    ]
    urls += [reverse("admin:cases_case_simple_history", args=[case.pk, v.history_id])
             for v in case.revisions.all()]  # fmt: skip
    for model, related in PARTS.items():
        opts = model._meta
        for part in getattr(case, related).all():
            urls.append(reverse(f"admin:cases_{opts.model_name}_history", args=[part.pk]))
            urls += [
                reverse(f"admin:cases_{opts.model_name}_simple_history",
                        args=[part.pk, v.history_id])
                for v in part.revisions.all()
            ]  # fmt: skip
    for annotation in Annotation.objects.filter(image__study__case=case):
        urls.append(reverse("admin:viewer_annotation_change", args=[annotation.pk]))
        urls += [reverse("admin:viewer_annotation_simple_history", args=[annotation.pk,
                                                                         v.history_id])
                 for v in annotation.revisions.all()]  # fmt: skip
    return urls


@pytest.mark.parametrize("persona", [None, "resident", "attending"])
def test_no_reader_reaches_a_version_or_a_review_page(case, persona, request):
    client = client_for(request.getfixturevalue(persona) if persona else None)
    urls = admin_urls(case)
    assert len(urls) > 12  # each part and version is asked
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
        assert leaked(response) == [], url


@pytest.mark.parametrize("persona", [None, "resident", "attending"])
def test_a_case_under_review_is_not_found_by_readers(case, persona, request):
    client = client_for(request.getfixturevalue(persona) if persona else None)
    assert not Case.objects.published().filter(pk=case.pk).exists()
    assert client.get(case.get_absolute_url("academic")).status_code == 404
    for workflow in ("academic", "standard"):
        response = client.get(reverse("cases:browse", args=[workflow]))
        assert case.get_absolute_url(workflow) not in response.content.decode()
        assert "ZQXMARKER-title" not in response.content.decode()
