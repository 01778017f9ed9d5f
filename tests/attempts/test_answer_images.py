"""The answer page shows the case's images as the case page does: the same tiles, their captions
once the diagnosis is shown, and the viewer a double-click opens. Anyone but the reader who
committed gets the unknown, whose tiles carry no caption."""

from tests.attempts.test_answering import commit
from tests.factories import MARKERS, client_for
from tests.pages import html_of, leaked

TILE = 'class="case-image"'


def thumbnails_of(case):
    images = case.studies.get().images.order_by("position")
    return [image.file_url("thumbnail") for image in images]


def test_the_answer_page_lists_the_cases_image_tiles_with_captions_for_the_reader(
    secret_case, resident
):
    client = client_for(resident)
    url = commit(client, secret_case)["Location"]
    response = client.get(url, {"show": "all"})
    html = html_of(response)
    assert html.count(TILE) == 2
    for thumbnail in thumbnails_of(secret_case):
        assert f'src="{thumbnail}"' in html
    assert html.count(f"<figcaption>{MARKERS['caption']}</figcaption>") == 2
    assert 'id="viewer"' in html and "viewer/viewer.js" in html  # a double-click opens it


def test_the_answer_page_keeps_the_captions_back_until_the_diagnosis_is_shown(
    secret_case, resident
):
    client = client_for(resident)
    url = commit(client, secret_case)["Location"]
    response = client.get(url)
    assert html_of(response).count(TILE) == 2
    assert "caption" not in leaked(response)


def test_another_reader_at_the_answer_url_gets_the_unknown_tiles_without_captions(
    secret_case, resident, other_resident
):
    url = commit(client_for(resident), secret_case)["Location"]
    for visitor in (other_resident, None):
        response = client_for(visitor).get(url, {"show": "all"})
        assert response.status_code == 200
        assert html_of(response).count(TILE) == 2
        assert leaked(response) == []
