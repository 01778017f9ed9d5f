"""What of a cached page is the reader's own, filled in per request.

A page (the shell around cached results or a case's body) is rendered once per content, URL and
kind of reader (kind(): anonymous, or logged in with or without the standard workflow and the
admin), with slots where the reader's own name and, on a page with a form of its own, CSRF token go
(the header's log-out form carries none: static/accounts/csrf.js); Cut.fill() puts them in. So
a logged-in reader's page costs joining strings, not a template rendering, like an anonymous
one's. Text a contributor typed cannot forge a slot: it is escaped, so it never holds "<!--" or
"<input". A reader with messages waiting gets the page rendered for them alone (messages_waiting()).

An academic card's marks are slots too (`<!--mark:42-->`, filled from cases/memory.py). A page
is cut at its slots once per process and key (cut()), so that each request fills it with a join
instead of a search of the whole page per kind of slot.
"""

import re
import secrets

from django.contrib import messages as django_messages
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.html import escape
from django.utils.safestring import mark_safe

from cases.workflows import may_use_standard

CSRF_SLOT = "csrf-token-slot"
NAME_SLOT = "<!--reader-name-->"
# The context a shared page is rendered with: slots instead of this reader's name and token.
CONTEXT = {"reader_name": mark_safe(NAME_SLOT), "csrf_token": CSRF_SLOT}


def kind(request):
    """Which header this reader gets: the part of a shared page's cache key that is theirs."""
    user = request.user
    if not user.is_authenticated:
        return "anonymous"
    return _reader_kind(may_use_standard(user), user.is_staff)


def _reader_kind(standard, staff):
    return f"reader-{int(standard)}{int(staff)}"


def shared_key(key, request):
    """The key the page of this reader's kind is cached under, beside what it shows (key)."""
    return _kind_key(key, kind(request))


def _kind_key(key, reader_kind):
    return f"{key}:{reader_kind}"


def messages_waiting(request):
    """Whether the reader has messages to show once: such a page is theirs alone. Counting them
    does not mark them shown."""
    return len(django_messages.get_messages(request)) > 0


def csrf_input(token):
    """A form's token field as {% csrf_token %} writes it (on every page with a form: written
    out rather than through format_html())."""
    return mark_safe(f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">')


def mark(pk):
    """The slot of the marks of the card of the case with this id."""
    return MARK_SLOT.format(int(pk))


class Cut:
    """A page cut at its slots: the text between them, and which slot goes where. The page is
    kept, and filled, as the UTF-8 bytes it is sent as: encoding the whole page on every request
    cost more than filling it."""

    def __init__(self, page):
        self.page = page  # as given (text, or bytes as shared pages are cached): cut() compares it
        encoded = page.encode() if isinstance(page, str) else page
        self.parts = _SLOTS.split(encoded)  # the text, then a slot, then the text... (odd: slots)
        # (where, the case of a card's marks or None, the slot as text)
        named = ((index, slot.decode()) for index, slot in enumerate(self.parts) if index % 2)
        self.slots = [(index, _case_of(slot), slot) for index, slot in named]
        self.cards = sorted({case for _, case, _ in self.slots if case is not None})

    def fill(self, request, marks=None):
        """The page's bytes with this reader's name and CSRF token (the token asked for only if
        the page has a form, so that a page without one sets no CSRF cookie) and marks in its
        slots."""
        parts, marks, own = self.parts.copy(), marks or {}, {}
        for index, case, slot in self.slots:
            if case is not None:
                parts[index] = marks.get(case, "").encode()
            else:
                if slot not in own:
                    own[slot] = _own(slot, request).encode()
                parts[index] = own[slot]
        return b"".join(parts)


def cut(page, key=None):
    """The page (text, or its UTF-8 bytes) cut at its slots: once per process for a page cached
    under key (the key holds the content version, and the page is compared, so a page cut before
    is never filled in place of another); each time without a key."""
    if key is None:
        return Cut(page)
    found = _CUTS.get(key)
    if found is None or found.page != page:
        if len(_CUTS) >= CUTS_KEPT:
            _CUTS.clear()  # the pages read since are cut again at their next request
        found = _CUTS[key] = Cut(page)
    return found


def cards_under(key):
    """The cards of the page shown under key (what a shared_key() names, beside the reader's
    kind) as this process cut it for any kind of logged-in reader, or None: they are the same
    whatever the header, and known before whose the page is."""
    for reader_kind in _LOGGED_IN_KINDS:
        found = _CUTS.get(_kind_key(key, reader_kind))
        if found is not None:
            return found.cards
    return None


def _case_of(slot):
    return int(slot[_MARK_ID]) if slot.startswith(_MARK_START) else None


def _own(slot, request):
    if slot == NAME_SLOT:
        user = request.user
        return escape(user.get_username()) if user.is_authenticated else NAME_SLOT
    return csrf_input(csrf_token(request))


def csrf_token(request):
    """Django's get_token(), masked with one read of the system's randomness instead of one per
    character (Django draws the mask's 32 characters with secrets.choice): 7 µs, not 44, on the
    page of every logged-in reader. The same token: a fresh mask of the same alphabet, added to
    the secret character by character, which CsrfViewMiddleware takes off again. A request
    without a secret yet gets Django's own (a new secret, and its cookie)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token(): the cookie's age renewed
    mask = _mask(len(secret))
    shifted = zip(secret, mask, strict=True)
    cipher = [_CHARS[(_INDEX[char] + shift) % len(_CHARS)] for char, shift in shifted]
    return "".join([_CHARS[shift] for shift in mask] + cipher)


def _mask(length):
    """length values drawn uniformly from range(len(_CHARS)): bytes above the last whole multiple
    of it are dropped, so that no character is likelier than another."""
    mask = []
    while len(mask) < length:
        mask += [byte % len(_CHARS) for byte in secrets.token_bytes(length + 8) if byte < _BYTES]
    return mask[:length]


CSRF_FIELD = csrf_input(CSRF_SLOT)
MARK_SLOT = "<!--mark:{}-->"
_MARK_START, _MARK_ID = "<!--mark:", slice(len("<!--mark:"), -len("-->"))
_SLOTS = re.compile(f"({re.escape(NAME_SLOT)}|{re.escape(CSRF_FIELD)}|<!--mark:\\d+-->)".encode())
CUTS_KEPT = 200  # pages cut a process keeps: each holds its text twice, some 40-150 KB in all
_CUTS = {}
_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {char: index for index, char in enumerate(_CHARS)}
_BYTES = 256 - 256 % len(_CHARS)
_LOGGED_IN_KINDS = [_reader_kind(standard, staff) for standard in (1, 0) for staff in (0, 1)]
