"""The academic-leak crawl: every URL the app can produce (every named pattern outside the
admin, filled with the ids of a case whose hidden fields all hold markers, then every link and
image those pages point to), fetched by a stranger and by residents who have not committed on
the case, must send none of the markers: not in HTML, headers, cookies, JSON, zip member names
or contents, nor the text of a PDF.

It guards the URLs added after it too: a named URL the crawl neither reaches nor lists in
NOT_FETCHED makes the coverage test fail."""

import io
import re
import zipfile
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone
from pypdf import PdfReader

from attempts.models import Attempt, Grade
from cases import roles
from cases.daily import picking
from cases.models import CaseOfTheDay
from cases.workflows import ACADEMIC, STANDARD
from casesets.models import CaseSet
from tests.dicom_factory import ct_series
from tests.factories import (
    CERTAINTY_LABEL,
    MARKERS,
    add_dicom,
    client_for,
    make_case,
    make_set,
    make_user,
    marker_case,
)
from tests.pages import streamed

# Only the Attendings read standard, as in a deployment (the demo sets the same).
pytestmark = pytest.mark.usefixtures("standard_for_attendings_only")

SERIES_MARKER = "ZQXMARKER-series-description-114"
NOTES_MARKER = "ZQXMARKER-presenter-notes-115"  # a case set's presenter notes: never academic
MAX_FETCHES = 600  # bounds the crawl; it reaches a few hundred URLs

# Named URLs the crawl does not GET, and why. Everything else must be fetched.
NOT_FETCHED = {
    "cases:reveal": "POST only; revealing is the point of it (its own tests)",
    "attempts:commit": "POST only; committing reveals to the one who commits",
    "login": "a form with no case in it",
    "logout": "a form with no case in it; its POST logs the crawler out",
    "pacs:stow": "POST only, with an API token; answers the SOP UIDs its caller sent, no case",
    "pacs:stow_study": "POST only, with an API token; answers the SOP UIDs its caller sent",
}

# Zips, read member by member: downloads, and the .pptx slides (XML parts, media, properties).
ZIPPED = ("application/zip", "application/vnd.openxmlformats-officedocument")
IMAGE_URLS = {"viewer:image_file", "viewer:pixels", "viewer:review_frame"}
VALUES = {"kind": ["thumbnail", "display", "full"], "workflow": [ACADEMIC, STANDARD]}


@pytest.fixture
def standard_for_attendings_only():
    with override_settings(STANDARD_WORKFLOW_GROUPS=[roles.ATTENDINGS]):
        yield


@pytest.fixture
def world(alice, resident):
    """The marked case with a DICOM series, another reader's attempt on it, attempts of the
    crawling resident on other cases (so their progress pages have rows), and the marked case
    as the case of the day."""
    case = marker_case(alice)
    series = add_dicom(case.studies.get(), ct_series(3))
    series.description = SERIES_MARKER
    series.save()
    other = make_user("rory", roles.RESIDENTS)
    theirs = attempt(other, case, MARKERS["diagnosis"])
    for n in range(3):
        plain = make_case(alice, title=f"Plain case {n}", diagnosis=f"Plain diagnosis {n}")
        attempt(resident, plain, "A guess", Grade.MISSED if n else Grade.CORRECT)
    # The case of the day today and yesterday: the homepage's block, the archive and the feed.
    for day in (picking.today(), picking.today() - timedelta(days=1)):
        CaseOfTheDay.objects.create(date=day, case=case)
    sets = case_sets(case, plain, other)
    return {
        "pk": [case.pk],
        "series_pk": list(case.studies.get().series.values_list("pk", flat=True)),
        "attempt_pk": [theirs.pk],
        "reader_pk": [other.pk, resident.pk],
        "image_pk": [image.pk for study in case.studies.all() for image in study.images.all()],
        "case": case,
        "their_attempt": theirs,
        "token": [case_set.token for case_set in sets],
        "set_pk": [case_set.pk for case_set in sets],
        "item_pk": [item.pk for case_set in sets for item in case_set.items.all()],
        "number": [1, 2],
    }


def case_sets(case, plain, reader):
    """An attending's sets holding the marked case, one of each visibility, with presenter notes;
    a reader answered the marked case since, so the owner's table of scores has a row."""
    owner = make_user("ada", roles.ATTENDINGS)
    sets = [make_set(owner, [case, plain], visibility=visibility, notes=[NOTES_MARKER] * 2)
            for visibility in ("listed", "shared", "private")]  # fmt: skip
    attempt(reader, case, MARKERS["diagnosis"])
    return sets


def attempt(reader, case, diagnosis, grade=Grade.CORRECT):
    now = timezone.now()
    return Attempt.objects.create(
        reader=reader, case=case, diagnosis=diagnosis, confidence=Attempt.Confidence.HIGH,
        automatic_grade=grade, confirmed_grade=grade, opened_at=now - timedelta(minutes=2),
    )


def named_patterns(resolvers=None, namespace=""):
    """(view name, pattern) of every named URL outside the admin."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern


def seed_urls(world):
    """Every named URL, filled with every value of each of its parameters."""
    urls = []
    for name, pattern in named_patterns():
        if name in NOT_FETCHED:
            continue
        # The image URLs' pk is an image's; every other pk is the case's.
        values = {**world, **VALUES}
        if name in IMAGE_URLS:
            values["pk"] = world["image_pk"]
        params = list(getattr(pattern, "converters", {}))
        urls += [reverse(name, kwargs=kwargs) for kwargs in _combinations(params, values)]
    return urls


def _combinations(params, values):
    if not params:
        return [{}]
    first, rest = params[0], params[1:]
    return [{first: value, **more}
            for value in values[first] for more in _combinations(rest, values)]


def crawl(client, seeds):
    """{path: response} of the seeds and every same-site link and image they lead to."""
    seen, queue, responses = set(), list(seeds), {}
    while queue and len(responses) < MAX_FETCHES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or not _crawlable(path):
            continue
        seen.add(url)
        response = client.get(url)
        responses[url] = response
        if response.status_code in (301, 302) and _same_site(response["Location"]):
            queue.append(urljoin(url, response["Location"]))
        elif _is_html(response):
            queue += [urljoin(url, link) for link in _links(response) if _same_site(link)]
    assert not queue or len(responses) == MAX_FETCHES
    return responses


def _crawlable(path):
    return not path.startswith(("/admin/", "/static/", "/accounts/logout"))


def _same_site(link):
    parts = urlsplit(link)
    return not parts.netloc and not parts.scheme and parts.path.startswith("/")


def _is_html(response):
    return not response.streaming and response.get("Content-Type", "").startswith("text/html")


def _links(response):
    body = response.content.decode()
    return [link.replace("&amp;", "&") for link in re.findall(r'(?:href|src)="([^"#]+)', body)]


def sent(response):
    """Everything the response sends, as searchable text: PDFs by their text, zips (and .pptx
    slides) by their member names and contents."""
    data = streamed(response) if response.streaming else response.content
    text = [
        data.decode("latin-1"),
        *(f"{name}: {value}" for name, value in response.items()),
        response.cookies.output(),
    ]
    content_type = response.get("Content-Type", "")
    if response.status_code == 200 and content_type.startswith("application/pdf"):
        text += [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    elif response.status_code == 200 and content_type.startswith(ZIPPED):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                text += [info.filename, archive.read(info).decode("latin-1")]
    return "\n".join(text).lower()


def markers_in(response):
    text = sent(response)
    every = {**MARKERS, "series": SERIES_MARKER, "notes": NOTES_MARKER}
    found = [name for name, marker in every.items() if marker.lower() in text]
    if CERTAINTY_LABEL.lower() in text:
        found.append("certainty")
    return found


def readers(resident):
    """A stranger, a resident, and a resident whose cookie asks for the standard workflow."""
    asking_for_standard = client_for(resident)
    asking_for_standard.cookies["workflow"] = STANDARD
    return {"anonymous": client_for(None), "resident": client_for(resident),
            "resident asking for standard": asking_for_standard}


@pytest.mark.parametrize("who", ["anonymous", "resident", "resident asking for standard"])
def test_no_url_the_app_produces_sends_a_hidden_field(world, resident, who):
    responses = crawl(readers(resident)[who], seed_urls(world))
    for url, response in responses.items():
        assert response.status_code < 500, url
        assert markers_in(response) == [], url


def test_the_crawl_fetches_every_named_url(world, resident):
    responses = crawl(readers(resident)["resident"], seed_urls(world))
    fetched = set()
    for url in responses:
        try:
            fetched.add(resolve(urlsplit(url).path).view_name)
        except Resolver404:
            pass
    every = {name for name, _ in named_patterns()}
    assert every - fetched - set(NOT_FETCHED) == set()


def test_the_crawl_would_see_every_marker_in_standard(world, attending):
    """So the crawl can fail: an attending's standard pages, PDF and zip send the markers."""
    client = client_for(attending)
    case = world["case"]
    page = client.get(case.get_absolute_url(STANDARD))
    on_page = sorted(name for name in [*MARKERS, "certainty"] if name != "annotation")
    assert sorted(markers_in(page)) == on_page
    series = case.studies.get().series.get(description=SERIES_MARKER)
    manifest = client.get(reverse("viewer:manifest", args=[STANDARD, case.pk, series.pk]))
    assert markers_in(manifest) == ["series"]
    pictures = case.studies.get().series.exclude(pk=series.pk).get()
    manifest = client.get(reverse("viewer:manifest", args=[STANDARD, case.pk, pictures.pk]))
    assert sorted(markers_in(manifest)) == ["annotation", "caption"]  # the viewer shows them
    handout = client.get(reverse("cases:handout", args=[STANDARD, case.pk]))
    assert MARKERS["diagnosis"].lower() in sent(handout)
    deck = client.get(reverse("cases:slides", args=[STANDARD, case.pk]))
    assert MARKERS["diagnosis"].lower() in sent(deck)  # read inside the .pptx's XML parts


def test_the_crawl_would_see_the_markers_on_a_set_owners_standard_pages(world):
    """So the crawl can fail on the case sets' pages too: their owner's standard pages send the
    answers and the presenter notes."""
    case_set = CaseSet.objects.get(token=world["token"][0])
    client = client_for(case_set.owner)
    present = client.get(reverse("casesets:present", args=[STANDARD, case_set.token]))
    assert {"title", "diagnosis", "findings", "notes"} <= set(markers_in(present))


def test_grading_another_readers_attempt_sends_nothing(world, resident):
    theirs = world["their_attempt"]
    url = reverse("attempts:confirm_grade", args=[theirs.case_id, theirs.pk])
    response = client_for(resident).post(url, {"confirmed_grade": Grade.CORRECT}, follow=True)
    assert markers_in(response) == []
    theirs.refresh_from_db()
    assert theirs.confirmed_grade == Grade.CORRECT  # unchanged: it was set so before
