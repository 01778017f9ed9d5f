"""When a reader opened a case, kept by the server: the academic case page, served to a logged-in
reader, carries a signed token of (case, reader, time) in its answer form. The commit reads the
time back from it, so the browser's clock is never asked and the token cannot be moved to
another case or reader.

The page's body is cached for every reader (cases/results.py): it holds both the answer form
(with a slot for the token) and the anonymous reader's Reveal button, each between comment
markers; fill() keeps the one this reader gets. Text a contributor typed cannot forge a marker
or the slot's input: it is escaped, so it never holds "<!--" or "<input".
"""

from datetime import UTC, datetime

from django.core import signing
from django.utils import timezone

SALT = "attempts.opening"
OPENED_SLOT = "opened-token-slot"
OPEN_FOR = 7 * 24 * 3600  # seconds a served answer form may still be committed
ANSWER_FORM = ("<!--answer-form-->", "<!--/answer-form-->")
REVEAL_FORM = ("<!--reveal-form-->", "<!--/reveal-form-->")


def token(case_pk, reader_pk):
    return signing.dumps([case_pk, reader_pk, timezone.now().timestamp()], salt=SALT)


def opened_at(value, case_pk, reader_pk):
    """When this reader was served this case, from a token; None if it is not theirs, forged or
    older than OPEN_FOR."""
    try:
        case, reader, at = signing.loads(value, salt=SALT, max_age=OPEN_FOR)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if (case, reader) != (case_pk, reader_pk):
        return None
    return datetime.fromtimestamp(at, tz=UTC)


def fill(page, request, case_pk):
    """The page (UTF-8 bytes, as it is sent) with the answer form and a fresh token for a
    logged-in reader, or the Reveal button for anyone else. Pages without either (standard,
    revealed) are returned as they are."""
    if request.user.is_authenticated:
        page = _cut(page, REVEAL_FORM)
        return page.replace(OPENED_SLOT.encode(), token(case_pk, request.user.pk).encode(), 1)
    return _cut(page, ANSWER_FORM)


def _cut(page, region):
    start, end = (marker.encode() for marker in region)
    begin = page.find(start)
    if begin < 0:
        return page
    finish = page.index(end, begin) + len(end)
    return page[:begin] + page[finish:]
