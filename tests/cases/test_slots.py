"""A shared page is cut at its slots once per process and key, and each fill puts in this reader's
name, CSRF token and marks (cases/slots.py)."""

from collections import Counter

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    _get_new_csrf_string,
    _unmask_cipher_token,
)
from django.test import Client, RequestFactory
from django.urls import reverse

from cases import slots

HEADER = f"<p>Log out {slots.NAME_SLOT}</p><form>{slots.CSRF_FIELD}</form>"
CARDS = (f"<li>Case 7{slots.mark(7)}</li><li>Case 70{slots.mark(70)}</li>"
         f"<li>Case 7 again{slots.mark(7)}</li>")


@pytest.fixture
def reader_request(rf, resident):
    request = rf.get("/")
    request.user = resident
    return request


def test_a_fill_puts_in_the_readers_name_token_and_the_marks_of_each_card(reader_request):
    page = slots.cut(HEADER + CARDS).fill(reader_request, {7: "<b>seen</b>"}).decode()

    assert page.startswith("<p>Log out rita</p><form>")
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="' in page
    assert slots.CSRF_SLOT not in page and slots.NAME_SLOT not in page
    assert page.endswith(
        "<li>Case 7<b>seen</b></li><li>Case 70</li><li>Case 7 again<b>seen</b></li>"
    )


def test_a_page_cut_from_its_bytes_is_filled_as_from_its_text(reader_request):
    page = f"<h1>Ménétrier’s disease</h1><p>{slots.NAME_SLOT}</p>{CARDS}"
    marks = {70: "<b>missed – due</b>"}

    from_bytes = slots.cut(page.encode(), key="k").fill(reader_request, marks)

    assert from_bytes == slots.cut(page).fill(reader_request, marks)
    assert from_bytes.decode().startswith("<h1>Ménétrier’s disease</h1><p>rita</p>")
    assert "<li>Case 70<b>missed – due</b></li>" in from_bytes.decode()


def test_the_cards_of_a_page_are_its_marked_cases_once_each_in_order():
    assert slots.cut(CARDS + HEADER).cards == [7, 70]
    assert slots.cut(HEADER).cards == []


def test_two_fills_of_one_cut_give_each_request_its_own_token(reader_request, rf):
    cut = slots.cut(HEADER, key="k")
    other = rf.get("/")
    other.user = AnonymousUser()

    first, second = cut.fill(reader_request).decode(), cut.fill(other).decode()

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


def test_the_token_is_the_readers_secret_under_a_fresh_mask_each_time(rf):
    request = rf.get("/")
    request.META["CSRF_COOKIE"] = secret = _get_new_csrf_string()

    tokens = {slots.csrf_token(request) for _ in range(200)}

    assert len(tokens) == 200
    assert {_unmask_cipher_token(token) for token in tokens} == {secret}
    assert all(len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS) for token in tokens)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]  # the cookie's age renewed, as Django's


def test_the_tokens_mask_draws_every_character_alike(rf):
    drawn = Counter(shift for _ in range(2000) for shift in slots._mask(32))  # 64,000 draws
    assert set(drawn) == set(range(len(CSRF_ALLOWED_CHARS)))
    assert max(drawn.values()) < 1.3 * min(drawn.values())  # ~1,032 each; bias would be 25%


def test_a_request_without_a_secret_gets_django_s_token_and_cookie(rf):
    request = rf.get("/")
    token = slots.csrf_token(request)
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]


def test_a_form_posted_with_the_token_passes_the_csrf_check(resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    client.get(reverse("logout"))  # a page with a form of its own: the CSRF cookie set
    request = RequestFactory().post("/")
    request.META["CSRF_COOKIE"] = client.cookies[settings.CSRF_COOKIE_NAME].value
    token = slots.csrf_token(request)

    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302


def test_the_cards_of_a_page_are_found_under_its_key_whatever_the_readers_kind():
    slots.cut(HEADER + CARDS, key="results:reader-01")
    assert slots.cards_under("results") == [7, 70]
    assert slots.cards_under("other results") is None
    slots.cut(HEADER + CARDS, key="more results:anonymous")
    assert slots.cards_under("more results") is None  # an anonymous page's cards are not read
