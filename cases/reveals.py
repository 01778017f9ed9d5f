"""The academic answers a reader revealed with the Reveal button, remembered in their session.

Reveal is a POST (no crawler or prefetch reveals anything) that redirects to the case's answer
URL; that GET shows the answer only to a session that revealed it, so it survives reload, Back
and a bookmark in that browser, while anyone else at the URL sees the unknown. Holding a session
also takes the reader off the cached whole anonymous page (cases/views.py, `_page`), so the
revealed page is never stored where another visitor would be served it.
"""

SESSION_KEY = "cases.revealed"
KEEP = 500  # the most recent reveals remembered; the session stays small


def remember(request, pk):
    revealed = [seen for seen in request.session.get(SESSION_KEY, []) if seen != pk]
    request.session[SESSION_KEY] = (revealed + [pk])[-KEEP:]


def revealed(request, pk):
    """Whether this reader's session revealed this case."""
    return pk in request.session.get(SESSION_KEY, [])
