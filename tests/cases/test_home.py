"""The homepage: what the repository hosts, a random case, and the choice of workflow, which the
next visit remembers."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from tests.factories import make_case
from tests.pages import h1_count, html_of, text_of

CHOICE = (
    "A standard workflow allows you to browse the repository with full case detail; the academic "
    "workflow allows you to browse the repository with limited case detail revealed."
)


@pytest.fixture
def cases(alice, bob):
    return [
        make_case(alice, title="Osteoid osteoma of the tibia", images=2),
        make_case(bob, title="Round pneumonia", anatomy="chest", images=1),
        make_case(bob, title="Unpublished", status=Case.Status.DRAFT, images=4),
    ]


def home(client=None):
    return (client or Client()).get(reverse("cases:home"))


def card_url(response):
    """The random card's link, read from the HTML: a cached card reaches no template context."""
    found = re.search(r'class="card-link" href="([^"?]+)', response.content.decode())
    return found and found.group(1)


def test_it_tells_how_much_the_repository_hosts(cases):
    assert "Hosting 2 cases, 3 images, and 2 contributors" in text_of(home())


def test_its_statistics_follow_publishing_at_once(cases):
    home()  # fills the statistics cache
    draft = cases[2]
    draft.status = Case.Status.PUBLISHED
    draft.save()
    assert "Hosting 3 cases, 7 images, and 2 contributors" in text_of(home())


def test_it_explains_the_two_workflows(cases):
    response = home()
    assert response.status_code == 200
    assert h1_count(response) == 1
    assert CHOICE in text_of(response)
    body = html_of(response)
    assert reverse("cases:browse", args=["standard"]) in body
    assert reverse("cases:browse", args=["academic"]) in body


def test_it_shows_a_random_published_case(cases):
    for _ in range(20):
        response = home()
        assert card_url(response) in {cases[0].get_absolute_url("academic"),
                                      cases[1].get_absolute_url("academic")}


def test_a_first_visit_reads_in_the_academic_workflow(cases):
    response = home()
    assert response.context["workflow"] == "academic"
    assert "Osteoid osteoma" not in response.content.decode()
    assert "Round pneumonia" not in response.content.decode()


def test_an_empty_repository_still_has_a_homepage(db):
    response = home()
    assert response.status_code == 200
    assert card_url(response) is None
    assert "Hosting 0 cases, 0 images, and 0 contributors" in text_of(response)


@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_visiting_a_workflow_is_remembered_by_the_next_homepage_visit(cases, workflow):
    client = Client()
    client.get(reverse("cases:browse", args=[workflow]))
    assert client.cookies["workflow"].value == workflow
    response = home(client)
    assert response.context["workflow"] == workflow
    assert response.context["remembered"] == workflow
    assert card_url(response).startswith(f"/{workflow}/cases/")


def test_reading_a_case_remembers_its_workflow(cases):
    client = Client()
    client.get(reverse("cases:browse", args=["academic"]))
    client.get(cases[0].get_absolute_url("standard"))
    assert client.cookies["workflow"].value == "standard"
    assert home(client).context["workflow"] == "standard"


def test_the_workflow_cookie_lasts_and_stays_on_this_site(cases):
    response = Client().get(reverse("cases:browse", args=["standard"]))
    cookie = response.cookies["workflow"]
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    assert cookie["samesite"] == "Lax"


def test_a_page_of_the_remembered_workflow_does_not_set_its_cookie_again(cases):
    client = Client()
    client.get(reverse("cases:browse", args=["academic"]))
    again = client.get(reverse("cases:browse", args=["academic"]))
    assert "workflow" not in again.cookies
    assert client.get(cases[0].get_absolute_url("standard")).cookies["workflow"].value == "standard"
    assert client.cookies["workflow"].value == "standard"


def test_a_strange_workflow_cookie_is_ignored(cases):
    client = Client()
    client.cookies["workflow"] = "anything"
    response = home(client)
    assert response.status_code == 200
    assert response.context["workflow"] == "academic"
    assert response.context["remembered"] == ""


def test_the_homepage_varies_by_cookie(cases):
    assert "Cookie" in home()["Vary"]
