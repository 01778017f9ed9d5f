"""The admin as a contributor's browser uses it, over plain HTTP: log in, send a study's files
through its "Add images" field (streamed from disk, so a 200 MB zip is never held in memory),
retry a job. For bench/upload_job.py."""

import http.client
import secrets
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

CHUNK = 1 << 20


@dataclass
class Sent:
    status: int
    sent_seconds: float  # from the first byte to the last
    answer_seconds: float  # from the last byte to the answer's headers


class FormFields(HTMLParser):
    """The fields a browser would submit with the page's main form, as they stand."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag in ("input", "select", "textarea"):
            return
        if tag == "input":
            self._input(attrs)
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields.append((self._textarea, ""))

    def _input(self, attrs):
        kind = attrs.get("type", "text")
        if kind in ("file", "submit", "button", "image", "reset"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            return
        self.fields.append((attrs["name"], attrs.get("value", "on")))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


class AdminClient:
    def __init__(self, base_url, username, password):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = {}
        self._log_in(username, password)

    def _connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=600)

    def _headers(self, extra=None):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, "Referer": f"http://{self.host}:{self.port}/", **(extra or {})}

    def _keep_cookies(self, response):
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def request(self, method, path, body=None, headers=None):
        connection = self._connection()
        connection.request(method, path, body=body, headers=self._headers(headers))
        response = connection.getresponse()
        content = response.read()
        self._keep_cookies(response)
        connection.close()
        return response.status, content.decode("utf-8", "replace")

    def _log_in(self, username, password):
        self.request("GET", "/admin/login/")
        form = {"username": username, "password": password, "next": "/admin/",
                "csrfmiddlewaretoken": self.cookies["csrftoken"]}  # fmt: skip
        status, _ = self.request("POST", "/admin/login/", urlencode(form),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"logging in as {username} failed ({status})")

    def upload(self, study_pk, path):
        """Save the study's admin page with the file in its "Add images" field."""
        page = f"/admin/cases/study/{study_pk}/change/"
        status, html = self.request("GET", page)
        if status != 200:
            raise SystemExit(f"the study's page answered {status}")
        parser = FormFields("study_form")
        parser.feed(html)
        fields = [*parser.fields, ("_save", "Save")]
        return self._post_multipart(page, fields, ("pictures", Path(path)))

    def _post_multipart(self, path, fields, upload):
        boundary = secrets.token_hex(16)
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode() for name, value in fields
        )
        name, file = upload
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{file.name}"\r\nContent-Type: application/zip\r\n\r\n').encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + file.stat().st_size + len(tail)
        connection = self._connection()
        connection.putrequest("POST", path)
        headers = self._headers({"Content-Type": f"multipart/form-data; boundary={boundary}",
                                 "Content-Length": str(length)})  # fmt: skip
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.endheaders()
        started = time.perf_counter()
        connection.send(head)
        with open(file, "rb") as source:
            while chunk := source.read(CHUNK):
                connection.send(chunk)
        connection.send(tail)
        sent = time.perf_counter()
        response = connection.getresponse()
        answered = time.perf_counter()
        response.read()
        self._keep_cookies(response)
        connection.close()
        return Sent(response.status, sent - started, answered - sent)

    def retry(self, job_pk):
        form = urlencode({"csrfmiddlewaretoken": self.cookies["csrftoken"]})
        status, _ = self.request("POST", f"/admin/viewer/uploadjob/{job_pk}/retry/", form,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"retrying job {job_pk} answered {status}")
