"""PDF handouts: the standard one prints the whole case, the academic one is an unknown that holds
no hidden field anywhere in the file, the pair puts the unknown before the answer key, and each
follows the page's access rules.

Hidden fields carry the marker strings of test_academic_leaks; every PDF is read back with pypdf.
"""

import time
from io import BytesIO

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image as PILImage
from pypdf import PdfReader

from cases.handouts import ANNOTATED, PRINT_LONG_SIDE, SCHEME, HandoutImages, print_rendition
from cases.models import Case, Study
from dicom.archive import Member
from tests import dicom_factory
from tests.factories import (
    CERTAINTY_LABEL,
    MARKERS,
    client_for,
    make_case,
    marker_case,
    png_bytes,
)
from viewer.uploads import add_files

UNKNOWN_TITLE = "Wrist pain after a fall"
POINTS = {"a4": (595, 842), "letter": (612, 792)}


def handout_url(case, workflow="standard", **query):
    url = reverse("cases:handout", args=[workflow, case.pk])
    return url, query


def get_pdf(client, url, query=None):
    start = time.process_time()  # CPU time: the wall clock moves with the machine's load
    response = client.get(url, query or {})
    assert response.status_code == 200, response
    assert time.process_time() - start < 5
    response.pdf = response.getvalue()  # a stored file, streamed
    return response, PdfReader(BytesIO(response.pdf))


def page_text(page):
    return " ".join(page.extract_text().split())


def link_targets(pages):
    targets = []
    for page in pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


def outline_titles(items):
    for item in items:
        if isinstance(item, list):
            yield from outline_titles(item)
        else:
            yield str(item.title)


def markers_in(text):
    text = text.lower()
    found = [name for name, marker in MARKERS.items() if marker.lower() in text]
    return found + (["certainty"] if CERTAINTY_LABEL.lower() in text else [])


def everything_in(reader, pages=None):
    """Text, link targets, metadata and bookmarks of a PDF (or of some of its pages)."""
    pages = reader.pages if pages is None else pages
    parts = [page_text(page) for page in pages] + link_targets(pages)
    parts += [str(value) for value in (reader.metadata or {}).values()]
    parts += outline_titles(reader.outline) if pages is reader.pages else []
    return "\n".join(parts)


def image_count(reader):
    return sum(len(page.images) for page in reader.pages)


# --- standard -------------------------------------------------------------------------------


def test_the_standard_handout_prints_the_whole_case(secret_case, alice):
    alice.display_name = "Alice Atkins, MD FACR"
    alice.save()
    response, reader = get_pdf(Client(), *handout_url(secret_case))
    text = everything_in(reader)
    # The annotation is drawn into its image's pixels, not printed as text.
    in_text = [name for name in MARKERS if name != "annotation"]
    assert sorted(markers_in(text)) == sorted([*in_text, "certainty"])
    for expected in (secret_case.history, "Alice Atkins, MD FACR", "40 years", "Two views",
                     "Musculoskeletal", settings.SITE_NAME, "CR image 2"):
        assert expected in text
    case_url = "http://testserver" + secret_case.get_absolute_url("standard")
    assert case_url in text
    targets = link_targets(reader.pages)
    assert f"https://doi.org/{MARKERS['doi']}" in targets
    assert f"https://pubmed.ncbi.nlm.nih.gov/{MARKERS['pmid']}/" in targets
    assert case_url in targets
    assert reader.metadata.title == MARKERS["title"]
    assert reader.metadata.author == settings.SITE_NAME


def test_a_handout_downloads_as_a_private_pdf_named_by_ids(secret_case):
    response, _ = get_pdf(Client(), *handout_url(secret_case, paper="letter"))
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="case-{secret_case.pk}-standard-letter.pdf"'
    )


# --- academic -------------------------------------------------------------------------------


def test_the_academic_handout_holds_no_hidden_field_anywhere(secret_case):
    response, reader = get_pdf(Client(), *handout_url(secret_case, "academic"))
    assert markers_in(everything_in(reader)) == []
    assert markers_in(response.pdf.decode("latin-1")) == []
    assert markers_in(str(reader.xmp_metadata or "")) == []
    assert secret_case.title not in response["Content-Disposition"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="case-{secret_case.pk}-academic-a4.pdf"'
    )


def test_the_academic_handout_shows_what_a_reader_is_given(secret_case):
    _, reader = get_pdf(Client(), *handout_url(secret_case, "academic"))
    text = everything_in(reader)
    for expected in (UNKNOWN_TITLE, secret_case.history, "40 years", "Musculoskeletal", "CR",
                     "Two views", "CR image 1", "CR image 2"):
        assert expected in text
    assert "http://testserver" + secret_case.get_absolute_url("academic") in text
    assert reader.metadata.title == UNKNOWN_TITLE
    assert reader.metadata.author == settings.SITE_NAME
    assert image_count(reader) > 0


def test_an_academic_handout_without_unknown_title_is_titled_by_number(alice):
    case = make_case(alice)
    _, reader = get_pdf(Client(), *handout_url(case, "academic"))
    assert reader.metadata.title == f"Case {case.pk}"
    assert case.title not in everything_in(reader)


# --- the conference pair --------------------------------------------------------------------


def test_the_pair_puts_the_unknown_first_and_the_answer_key_after(secret_case):
    url = reverse("cases:handout_pair", args=[secret_case.pk])
    response, reader = get_pdf(Client(), url)
    texts = [page_text(page) for page in reader.pages]
    answer_starts = next(n for n, text in enumerate(texts) if MARKERS["title"] in text)
    unknown = reader.pages[:answer_starts]
    assert unknown, "the answer key comes first"
    assert UNKNOWN_TITLE in texts[0]
    assert markers_in("\n".join([*texts[:answer_starts], *link_targets(unknown)])) == []
    assert MARKERS["diagnosis"] in " ".join(texts[answer_starts:])
    # The file is named and titled after the unknown, which comes first.
    assert reader.metadata.title == UNKNOWN_TITLE
    assert markers_in(str(reader.metadata)) == []
    assert response["Content-Disposition"] == (
        f'attachment; filename="case-{secret_case.pk}-pair-a4.pdf"'
    )


def test_the_pair_is_not_offered_in_the_academic_workflow(secret_case):
    response = Client().get(f"/academic/cases/{secret_case.pk}/handout-pair.pdf")
    assert response.status_code == 404


# --- paper and images -----------------------------------------------------------------------


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_handouts_print_on_the_paper_asked_for(alice, paper, workflow):
    case = make_case(alice)
    _, reader = get_pdf(Client(), *handout_url(case, workflow, paper=paper))
    for page in reader.pages:
        assert (round(page.mediabox.width), round(page.mediabox.height)) == POINTS[paper]


def test_handouts_default_to_a4(alice):
    case = make_case(alice)
    _, reader = get_pdf(Client(), *handout_url(case))
    assert (round(reader.pages[0].mediabox.width), round(reader.pages[0].mediabox.height)) == (
        POINTS["a4"]
    )


def test_an_unknown_paper_is_not_found(alice):
    case = make_case(alice)
    response = Client().get(*handout_url(case, paper="tabloid"))
    assert response.status_code == 404


def _add_members(study, members):
    add_files(study.case, members, study=study)


def test_a_dicom_series_prints_its_middle_slice_with_its_size(alice):
    case = make_case(alice, images=0, modality="CT")
    study = case.studies.get()
    slices = dicom_factory.ct_series(5)
    _add_members(study, [Member(f"IM{n}.dcm", lambda d=data: BytesIO(d), 0)
                         for n, data in enumerate(slices)])
    _, reader = get_pdf(Client(), *handout_url(case))
    text = everything_in(reader)
    assert "CT image 1 (middle slice of a series of 5 images)" in text
    assert "CT image 2" not in text
    assert image_count(reader) > 0


def test_images_are_embedded_at_print_size(alice):
    case = make_case(alice, images=0)
    study = case.studies.get()
    big = png_bytes(size=(2400, 600))
    _add_members(study, [Member("big.png", lambda: BytesIO(big), 0)])
    image = study.images.get()
    assert HandoutImages(case).fetch(f"case-image:{image.pk}").content_type == "image/jpeg"
    _, reader = get_pdf(Client(), *handout_url(case))
    sizes = {page_image.image.size for page in reader.pages for page_image in page.images}
    assert sizes == {(PRINT_LONG_SIDE, 450)}


def test_the_image_fetcher_serves_only_the_case_s_own_images(alice, bob):
    case = make_case(alice)
    other = make_case(bob)
    fetcher = HandoutImages(Case.objects.get(pk=case.pk))
    own = case.studies.get().images.get()
    assert fetcher.fetch(f"case-image:{own.pk}").read()[:2] == b"\xff\xd8"
    foreign = other.studies.get().images.get()
    for url in (f"case-image:{foreign.pk}", "case-image:x", "file:///etc/passwd",
                "http://127.0.0.1/", f"https://testserver/images/{own.pk}/full/",
                "data:image/png;base64,iVBORw0KGgo="):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_study_without_images_still_prints(alice):
    case = make_case(alice, images=0)
    Study.objects.create(case=case, modality=case.studies.get().modality, description="Later")
    _, reader = get_pdf(Client(), *handout_url(case))
    assert "No images in this study." in everything_in(reader)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Case.Status.DRAFT, Case.Status.SUBMITTED])
@pytest.mark.parametrize("workflow", ["standard", "academic"])
def test_a_draft_has_no_handout(alice, bob, resident, workflow, status):
    case = make_case(alice, status=status)
    pair = reverse("cases:handout_pair", args=[case.pk])
    for user in (alice, bob, resident, None):
        assert client_for(user).get(*handout_url(case, workflow)).status_code == 404
        assert client_for(user).get(pair).status_code == 404


def test_a_missing_case_has_no_handout(db):
    assert Client().get(reverse("cases:handout", args=["standard", 999999])).status_code == 404


@override_settings(STANDARD_WORKFLOW_GROUPS=["Attendings"])
def test_the_standard_handouts_are_limited_to_the_standard_groups(secret_case, resident,
                                                                  attending):
    pair = reverse("cases:handout_pair", args=[secret_case.pk])
    for client in (Client(), client_for(resident)):
        for url, query in (handout_url(secret_case), (pair, {})):
            response = client.get(url, query)
            assert response.status_code == 403
            assert markers_in(response.content.decode()) == []
        assert client.get(*handout_url(secret_case, "academic")).status_code == 200
    assert client_for(attending).get(*handout_url(secret_case)).status_code == 200
    assert client_for(attending).get(pair).status_code == 200


def test_handouts_answer_only_get(secret_case):
    assert Client().post(handout_url(secret_case)[0]).status_code == 405



# --- annotations, burned into the key images of the standard handout only ---------------------


def embedded(reader):
    """The pixels of each image the PDF embeds, in page order."""
    return [page_image.image.tobytes() for page in reader.pages for page_image in page.images]


def test_the_standard_handout_burns_the_annotations_into_their_image(secret_case):
    _, standard = get_pdf(Client(), *handout_url(secret_case))
    _, academic = get_pdf(Client(), *handout_url(secret_case, "academic"))
    annotated, plain = embedded(standard), embedded(academic)
    assert annotated[0] != plain[0]  # the first image carries the marker's text annotation
    assert annotated[1] == plain[1]  # the second has none


def test_the_academic_handout_prints_the_images_as_they_are(secret_case):
    _, reader = get_pdf(Client(), *handout_url(secret_case, "academic"))
    first = secret_case.studies.get().images.first()
    data, _ = print_rendition(first)
    assert embedded(reader)[0] == PILImage.open(BytesIO(data)).tobytes()
    assert "annotation" not in markers_in(everything_in(reader))


def test_the_pair_burns_the_annotations_into_the_answer_key_alone(secret_case):
    url = reverse("cases:handout_pair", args=[secret_case.pk])
    _, pair = get_pdf(Client(), url)
    _, standard = get_pdf(Client(), *handout_url(secret_case))
    _, academic = get_pdf(Client(), *handout_url(secret_case, "academic"))
    # Both versions of the first image are embedded: the unknown's plain one (the standard half
    # prints only the annotated one), and the answer key's.
    images = embedded(pair)
    assert embedded(academic)[0] in images
    assert embedded(standard)[0] in images


def test_the_image_fetcher_serves_an_annotated_image_only_of_its_case(alice, bob):
    case, other = marker_case(alice), make_case(bob)
    fetcher = HandoutImages(Case.objects.get(pk=case.pk))
    own = case.studies.get().images.first()
    assert fetcher.fetch(f"{ANNOTATED}{own.pk}").read() != fetcher.fetch(f"{SCHEME}{own.pk}").read()
    with pytest.raises(ValueError):
        fetcher.fetch(f"{ANNOTATED}{other.studies.get().images.get().pk}")
