"""Logging in to the app served by bench/load.py as the readers `generate_cases --readers`
created, through the login page as a browser does, for wrk to send their session cookies.

The production settings mark cookies Secure, which http.cookiejar would then never send over
the benchmark's plain http: the cookies are read from Set-Cookie and sent back by hand."""

import re
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

# As cases/synthetic/readers.py names them (the benchmark does not load Django).
READER_PREFIX = "synthetic-reader-"
READER_PASSWORD = "synthetic-reader"
LOGIN_PATH = "/accounts/login/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 after a login carries the session cookie: keep it


OPENER = urllib.request.build_opener(NoRedirect)


def cookies_of(response):
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def open_url(request):
    """The response, a redirect included (urllib raises it as an error once not followed)."""
    try:
        return OPENER.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        return error


def log_in(base_url, number):
    """The Cookie header of reader `number`'s new session, or None if they cannot log in."""
    page = open_url(base_url + LOGIN_PATH)
    csrf = cookies_of(page)["csrftoken"]
    token = TOKEN.search(page.read().decode()).group(1)
    form = {"username": f"{READER_PREFIX}{number}", "password": READER_PASSWORD,
            "csrfmiddlewaretoken": token}
    request = urllib.request.Request(
        base_url + LOGIN_PATH, data=urllib.parse.urlencode(form).encode(),
        headers={"Cookie": f"csrftoken={csrf}", "Referer": base_url + LOGIN_PATH},
    )
    # A browser keeps the CSRF cookie the login rotated, and the workflow it reads in: the pages
    # then neither draw a CSRF secret nor set either cookie again for each request.
    given = cookies_of(open_url(request))
    if "sessionid" not in given:
        return None
    token = given.get("csrftoken", csrf)
    return f"sessionid={given['sessionid']}; csrftoken={token}; workflow=academic"


def log_in_readers(base_url, count):
    """The Cookie headers of readers 1 to count, as many as could log in."""
    return [cookie for cookie in (log_in(base_url, n) for n in range(1, count + 1)) if cookie]
