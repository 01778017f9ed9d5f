"""What of a cached page is the reader's own, filled in per request.

A page (the shell around cached results or a case's body) is rendered once per content, URL and
kind of reader (kind(): anonymous, or logged in with or without the standard workflow and the
admin), with slots where the reader's own name and CSRF token go; fill() puts them in. So a
logged-in reader's page costs string replacements, not a template rendering, like an anonymous
one's. Text a contributor typed cannot forge a slot: it is escaped, so it never holds "<!--" or
"<input". A reader with messages waiting gets the page rendered for them alone (messages_waiting()).
"""

from django.contrib import messages as django_messages
from django.middleware.csrf import get_token
from django.utils.html import escape, format_html
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
    return f"reader-{int(may_use_standard(user))}{int(user.is_staff)}"


def messages_waiting(request):
    """Whether the reader has messages to show once: such a page is theirs alone. Counting them
    does not mark them shown."""
    return len(django_messages.get_messages(request)) > 0


def csrf_input(token):
    """A form's token field as {% csrf_token %} writes it."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def fill(page, request):
    """The page with this reader's name and CSRF token in its slots (the token asked for only if
    the page has a form, so that a page without one sets no CSRF cookie)."""
    if request.user.is_authenticated:
        page = page.replace(NAME_SLOT, escape(request.user.get_username()))
    slot = csrf_input(CSRF_SLOT)
    if slot in page:
        page = page.replace(slot, csrf_input(get_token(request)))
    return page
