"""Reading a case page, in Chromium. A click enlarges a small picture by a whole factor. The
keys: →/j and ←/k walk the current results, r goes to the answer, ? lists the keys; none of them
acts while the reader types or while the viewer is open (whose arrows change the slice)."""

import re

import pytest

from tests.browser.viewer_page import Viewer, tile_of
from tests.factories import make_case

pytestmark = pytest.mark.browser


@pytest.fixture
def three_cases(vocabularies, alice):
    """Three published cases, newest last; browse lists the newest first."""
    return [make_case(alice, title=f"Case {n}", history=f"History {n}.") for n in range(3)]


def open_middle(page, cases):
    page.goto(f"{cases[1].get_absolute_url('standard')}?sort=newest")
    return cases[1]


def test_arrows_and_j_k_walk_the_results(page, three_cases):
    open_middle(page, three_cases)
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(rf"/cases/{three_cases[0].pk}/"))
    page.keyboard.press("k")
    page.wait_for_url(re.compile(rf"/cases/{three_cases[1].pk}/"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(rf"/cases/{three_cases[2].pk}/"))
    page.keyboard.press("j")
    page.wait_for_url(re.compile(rf"/cases/{three_cases[1].pk}/"))


def test_question_mark_lists_the_keys(page, three_cases):
    open_middle(page, three_cases)
    page.keyboard.press("?")
    help = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert help.is_visible()
    assert "Next case in these results" in help.inner_text()
    page.keyboard.press("ArrowRight")  # the list is open: nothing moves
    assert f"/cases/{three_cases[1].pk}/" in page.url
    page.keyboard.press("?")
    assert not help.is_visible()


def test_r_reveals_for_an_anonymous_reader(page, three_cases):
    case = three_cases[1]
    page.goto(case.get_absolute_url("academic"))
    page.keyboard.press("r")
    page.wait_for_url(re.compile(rf"/academic/cases/{case.pk}/answer/"))
    assert "Salter-Harris II fracture" in page.content()


def test_r_focuses_the_answer_field_and_typing_there_moves_nothing(page, three_cases, resident):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(resident.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/")
    case = open_middle(page, three_cases)
    page.goto(f"{case.get_absolute_url('academic')}?sort=newest")
    page.keyboard.press("r")
    field = page.get_by_label("Your diagnosis")
    assert field.evaluate("element => element === document.activeElement")
    page.keyboard.type("jk")
    page.keyboard.press("ArrowRight")
    assert field.input_value() == "jk"
    assert f"/cases/{case.pk}/" in page.url


def test_with_the_viewer_open_the_arrows_belong_to_the_viewer(page, phantom_case, ct_series):
    page.goto(phantom_case.get_absolute_url("standard"), wait_until="domcontentloaded")
    viewer = Viewer(page)
    viewer.open(tile_of(page, ct_series))
    url = page.url
    page.keyboard.press("ArrowRight")
    page.keyboard.press("j")
    assert page.url == url



def test_a_click_enlarges_a_small_picture_beyond_its_thumbnail_with_crisp_pixels(
    page, three_cases
):
    page.goto(three_cases[0].get_absolute_url("standard"))
    tile = page.locator(".case-image").first
    thumbnail_width = tile.locator("img").bounding_box()["width"]
    tile.click()
    enlarged = page.locator(".stage img.pixelated")
    enlarged.wait_for()
    width = enlarged.bounding_box()["width"]
    natural = enlarged.evaluate("image => image.naturalWidth")
    assert width > thumbnail_width
    assert width % natural == 0 and width // natural >= 2  # a whole factor


def test_v_or_the_key_image_button_opens_the_viewer_on_the_key_image(page, phantom_case):
    cover = phantom_case.cover_image
    series_images = list(cover.series.images.order_by("position").values_list("pk", flat=True))
    page.goto(phantom_case.get_absolute_url("academic"))
    page.keyboard.press("v")
    page.wait_for_function(
        """([series, index]) => {
          const v = document.querySelector('#viewer');
          return !v.hidden && v.dataset.series === series && v.dataset.slice === index
            && v.dataset.state === 'ready';
        }""",
        arg=[str(cover.series_id), str(series_images.index(cover.pk))],
    )
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Open the key image").click()
    page.locator("#viewer").wait_for(state="visible")
