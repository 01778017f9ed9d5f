"""The case of the day on the homepage, in its archive and its Atom feed: the visitor's workflow,
a day that turns at midnight in the site's time zone, a withdrawn case gone at once."""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from cases.daily import picking
from cases.daily.views import DAYS_PER_PAGE
from cases.models import Case, CaseOfTheDay
from tests.factories import client_for, make_case
from tests.pages import h1_count, html_of, text_of

ATOM = "{http://www.w3.org/2005/Atom}"
NOON = datetime(2026, 12, 6, 12, 0, tzinfo=ZoneInfo("UTC"))
TODAY = NOON.date()


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case(alice):
    return make_case(
        alice, title="Osteoid osteoma of the tibia", diagnosis="Osteoid osteoma",
        unknown_title="Night pain in a teenager", history="Pain at night, relieved by aspirin.",
    )


def home(client=None):
    return (client or Client()).get(reverse("cases:home"))


def daily_block(response):
    """The HTML of the homepage's case of the day (the page is cached: no context to read)."""
    block = re.search(r'<article class="daily-case">.*?</article>', html_of(response), re.S)
    return block.group(0) if block else ""


def daily_link(response):
    link = re.search(r'href="([^"]+)"', daily_block(response))
    return link and link.group(1)


def schedule(day, case, editor=None):
    return CaseOfTheDay.objects.create(date=day, case=case, scheduled_by=editor)


# --- the homepage's block -----------------------------------------------------------------------


def test_the_homepage_shows_the_case_of_the_day_as_an_unknown_in_academic(case):
    response = home()
    assert daily_link(response) == case.get_absolute_url("academic")
    text = text_of(response)
    assert "Case of the day" in text
    assert "Night pain in a teenager" in text
    assert "Pain at night, relieved by aspirin." in text
    assert "12 years" in text
    assert "Osteoid osteoma" not in text


def test_the_homepage_shows_its_title_and_diagnosis_in_standard(case):
    client = Client()
    client.cookies["workflow"] = "standard"
    response = home(client)
    assert daily_link(response) == case.get_absolute_url("standard")
    assert "Osteoid osteoma of the tibia" in text_of(response)
    assert "Diagnosis: Osteoid osteoma" in text_of(response)


def test_its_thumbnail_is_an_image_readers_may_see(case):
    block = daily_block(home())
    assert reverse("viewer:image_file", args=[case.cover_image_id, "thumbnail"]) in block


def test_the_homepage_links_the_feed_of_its_workflow_in_its_head(case):
    head = html_of(home()).split("</head>")[0]
    feed = reverse("cases:daily_feed", args=["academic"])
    link = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', head).group(0)
    assert f'href="{feed}"' in link


def test_a_scheduled_case_is_the_homepages_case_of_its_day(case, alice, editor):
    other = make_case(alice, title="Scheduled one", images=0)
    schedule(TODAY, other, editor)
    assert daily_link(home()) == other.get_absolute_url("academic")


def test_the_day_turns_at_midnight_and_the_homepage_with_it(case, alice, at_noon):
    other = make_case(alice, title="Another", images=0)
    today = picking.case_of_the_day(TODAY)
    assert daily_link(home()).endswith(f"/{today}/")  # cached now under today's version
    at_noon.move_to(datetime(2026, 12, 6, 23, 59, 59, tzinfo=ZoneInfo("UTC")))
    assert daily_link(home()).endswith(f"/{today}/")
    at_noon.move_to(datetime(2026, 12, 7, 0, 0, 1, tzinfo=ZoneInfo("UTC")))
    tomorrow = ({case.pk, other.pk} - {today}).pop()  # not shown within 180 days
    assert daily_link(home()).endswith(f"/{tomorrow}/")


@override_settings(TIME_ZONE="Pacific/Auckland")
def test_the_day_turns_at_midnight_in_the_sites_time_zone(case, alice, at_noon):
    other = make_case(alice, title="Another", images=0)
    at_noon.move_to(datetime(2026, 12, 6, 10, 59, tzinfo=ZoneInfo("UTC")))  # 23:59 in Auckland
    before = daily_link(home())
    assert CaseOfTheDay.objects.get().date == date(2026, 12, 6)
    at_noon.move_to(datetime(2026, 12, 6, 11, 1, tzinfo=ZoneInfo("UTC")))  # 00:01, 7 December
    after = daily_link(home())
    assert before != after
    assert {before, after} == {c.get_absolute_url("academic") for c in (case, other)}
    assert CaseOfTheDay.objects.filter(date=date(2026, 12, 7)).exists()


@pytest.mark.parametrize("withdraw", ["by a save", "by an update that draws no version"])
def test_a_withdrawn_case_of_the_day_leaves_the_homepage_at_once(case, alice, editor, withdraw):
    other = make_case(alice, title="The fallback", images=0)
    schedule(TODAY, case, editor)
    assert daily_link(home()) == case.get_absolute_url("academic")
    if withdraw == "by a save":
        case.status = Case.Status.DRAFT
        case.save()
    else:
        Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)
    response = home()
    assert daily_link(response) == other.get_absolute_url("academic")
    assert "Night pain" not in daily_block(response)


def test_an_empty_repository_says_so(db):
    response = home()
    assert response.status_code == 200
    assert daily_link(response) is None


# --- the archive --------------------------------------------------------------------------------


def archive(workflow="academic", client=None, **query):
    return (client or Client()).get(reverse("cases:daily_archive", args=[workflow]), query)


def past_days(alice, count):
    made = []
    for n in range(count):
        day_case = make_case(alice, images=0, title=f"Archived {n}", unknown_title=f"Unknown {n}")
        made.append(schedule(TODAY - timedelta(days=n + 1), day_case))
    return made


def test_the_archive_lists_past_days_newest_first_linking_in_the_workflow(alice):
    days = past_days(alice, 3)
    schedule(TODAY, make_case(alice, images=0, unknown_title="Today's"))
    schedule(TODAY + timedelta(days=1), make_case(alice, images=0, unknown_title="Tomorrow's"))
    response = archive()
    assert response.status_code == 200
    assert h1_count(response) == 1
    links = re.findall(r'class="card-link" href="([^"]+)"', response.content.decode())
    assert links == [day.case.get_absolute_url("academic") for day in days]
    text = text_of(response)
    assert "Saturday 5 December 2026" in text
    assert "Today's" not in text and "Tomorrow's" not in text


def test_the_archive_leaves_out_a_withdrawn_case(alice):
    days = past_days(alice, 2)
    Case.objects.filter(pk=days[0].case_id).update(status=Case.Status.DRAFT)
    links = re.findall(r'class="card-link" href="([^"]+)"', archive().content.decode())
    assert links == [days[1].case.get_absolute_url("academic")]


def test_the_archive_is_paginated(alice):
    past_days(alice, DAYS_PER_PAGE + 2)
    first, second = archive(), archive(page=2)
    assert len(re.findall(r'class="card-link"', first.content.decode())) == DAYS_PER_PAGE
    assert len(re.findall(r'class="card-link"', second.content.decode())) == 2
    assert "Page 2 of 2" in text_of(second)


def test_the_archive_in_standard_shows_titles(alice):
    past_days(alice, 1)
    assert "Archived 0" in text_of(archive("standard"))
    assert "Archived 0" not in text_of(archive("academic"))


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
def test_the_standard_archive_and_feed_are_refused_to_a_resident(alice, resident, attending):
    past_days(alice, 1)
    client = client_for(resident)
    assert archive("standard", client).status_code == 403
    assert client.get(reverse("cases:daily_feed", args=["standard"])).status_code == 403
    assert archive("academic", client).status_code == 200
    assert archive("standard", client_for(attending)).status_code == 200


# --- the feed -----------------------------------------------------------------------------------


def feed(workflow="academic"):
    response = Client().get(reverse("cases:daily_feed", args=[workflow]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def test_the_feed_is_atom_with_today_first_and_one_id_per_day(case, alice, editor):
    past_days(alice, 2)
    schedule(TODAY, case, editor)
    CaseOfTheDay.objects.filter(date=TODAY - timedelta(days=2)).update(case=case)  # shown twice
    entries = feed().findall(f"{ATOM}entry")
    assert len(entries) == 3
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles == ["06 December 2026: Night pain in a teenager",
                      "05 December 2026: Unknown 0", "04 December 2026: Night pain in a teenager"]
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == 3
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert links[0].endswith(case.get_absolute_url("academic"))


def test_the_standard_feed_names_the_diagnosis(case):
    entry = feed("standard").find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "06 December 2026: Osteoid osteoma of the tibia"
    assert "Diagnosis: Osteoid osteoma" in entry.findtext(f"{ATOM}summary")


def test_the_feed_records_and_lists_todays_automatic_pick(case):
    entry = feed().find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href").endswith(case.get_absolute_url("academic"))
    assert CaseOfTheDay.objects.get().date == TODAY


def test_the_feed_of_an_empty_repository_has_no_entry(db):
    assert feed().findall(f"{ATOM}entry") == []
