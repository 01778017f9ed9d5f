"""A shared page is cut at its slots once per process and key, and each fill puts in this reader's
name, CSRF token and marks (cases/slots.py)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from cases import slots

HEADER = f"<p>Log out {slots.NAME_SLOT}</p><form>{slots.CSRF_FIELD}</form>"
CARDS = (f"<li>Case 7{slots.mark(7)}</li><li>Case 70{slots.mark(70)}</li>"
         f"<li>Case 7 again{slots.mark(7)}</li>")


@pytest.fixture(autouse=True)
def no_cuts_kept():
    slots._CUTS.clear()
    yield
    slots._CUTS.clear()


@pytest.fixture
def reader_request(rf, resident):
    request = rf.get("/")
    request.user = resident
    return request


def test_a_fill_puts_in_the_readers_name_token_and_the_marks_of_each_card(reader_request):
    page = slots.cut(HEADER + CARDS).fill(reader_request, {7: "<b>seen</b>"})

    assert page.startswith("<p>Log out rita</p><form>")
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="' in page
    assert slots.CSRF_SLOT not in page and slots.NAME_SLOT not in page
    assert page.endswith(
        "<li>Case 7<b>seen</b></li><li>Case 70</li><li>Case 7 again<b>seen</b></li>"
    )


def test_the_cards_of_a_page_are_its_marked_cases_once_each_in_order():
    assert slots.cut(CARDS + HEADER).cards == [7, 70]
    assert slots.cut(HEADER).cards == []


def test_two_fills_of_one_cut_give_each_request_its_own_token(reader_request, rf):
    cut = slots.cut(HEADER, key="k")
    other = rf.get("/")
    other.user = AnonymousUser()

    first, second = cut.fill(reader_request), cut.fill(other)

    assert first != second
    assert "Log out rita" in first and "rita" not in second


def test_a_page_without_a_form_asks_for_no_csrf_token(reader_request):
    slots.cut(CARDS).fill(reader_request)

    assert "CSRF_COOKIE" not in reader_request.META


def test_a_page_is_cut_once_per_key_while_its_text_is_the_same():
    first = slots.cut(HEADER + CARDS, key="k")

    assert slots.cut(str(HEADER + CARDS), key="k") is first
    assert slots.cut(HEADER, key="k") is not first
    assert slots.cut(HEADER, key="k").cards == []


def test_the_cuts_a_process_keeps_are_bounded():
    for n in range(slots.CUTS_KEPT + 5):
        slots.cut(f"{HEADER}{n}", key=f"k{n}")

    assert 0 < len(slots._CUTS) <= slots.CUTS_KEPT
