"""The reference set-up of deploy/, for real: Debian's nginx with deploy/nginx/teaching-cases.conf
(moved to a temporary prefix, its certificate a self-signed one made here) in front of gunicorn
with deploy/gunicorn.conf.py on the loopback; pages, static files and the health checks through
it, and gunicorn's output read back as JSON lines."""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import urllib.error
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import pytest

from tests.local_processes import free_port
from tests.operations.sites import ROOT, app_environment, get, serving, wait_until_up

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (make install-test)"),
    # gunicorn reads and writes the test database, so no test holds a transaction open on it.
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_again_afterwards"),
]
HOST = "cases.example.org"
SITE = ROOT / "deploy" / "nginx" / "teaching-cases.conf"


def adapted_site(folder, upstream, http_port, https_port):
    """The site file with its ports, certificate and folders moved into the test's; each line
    replaced must be there, so that the test follows the file."""
    text = SITE.read_text()
    for old, new in {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(folder / "cert.pem"),
        f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(folder / "key.pem"),
        "/srv/teaching-cases/staticfiles/": f"{folder / 'static'}/",
        "root /var/www/html;": f"root {folder};",
    }.items():
        assert old in text, f"{SITE.name} no longer has {old!r}"
        text = text.replace(old, new)
    return text


def main_config(folder):
    user = "user root;" if os.geteuid() == 0 else ""  # its workers read the test's folders
    temp = " ".join(f"{kind}_temp_path {folder / 'tmp' / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user} worker_processes 1; pid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'};\n"
            f"events {{ worker_connections 64; }}\n"
            f"http {{ include /etc/nginx/mime.types; access_log {folder / 'access.log'};\n"
            f"  {temp}\n  include {folder / 'site.conf'}; }}\n")


def self_signed_certificate(folder):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={HOST}", "-keyout", folder / "key.pem",
         "-out", folder / "cert.pem"], check=True, capture_output=True)


@pytest.fixture(scope="module")
def app(django_db_setup, tmp_path_factory):
    folder = tmp_path_factory.mktemp("app")
    env = app_environment(
        folder / "media", ALLOWED_HOSTS=f"{HOST},127.0.0.1", GUNICORN_ACCESS_LOG="true",
        BEHIND_HTTPS_PROXY="true", TRUST_X_FORWARDED_FOR="true", SECURE_SSL_REDIRECT="true",
    )
    with serving(env, folder) as server:
        yield server


@pytest.fixture(scope="module")
def front(app, tmp_path_factory):
    """nginx's https base URL, in front of the app."""
    folder = tmp_path_factory.mktemp("nginx")
    (folder / "tmp").mkdir()
    (folder / "static" / "cases").mkdir(parents=True)
    for name in ("probe.css", "probe.0123456789ab.css"):
        (folder / "static" / "cases" / name).write_text("body { color: black; }\n")
    self_signed_certificate(folder)
    http_port, https_port = free_port(), free_port()
    (folder / "site.conf").write_text(adapted_site(folder, app.port, http_port, https_port))
    (folder / "nginx.conf").write_text(main_config(folder))
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    base = f"https://127.0.0.1:{https_port}"
    try:
        wait_until_up(f"{base}/healthz", process, folder / "error.log", context=insecure())
        yield {"https": base, "http": f"http://127.0.0.1:{http_port}"}
    finally:
        process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        process.wait(timeout=60)


def insecure():
    """The test's own self-signed certificate, for a host name that is not 127.0.0.1."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def open_status(request):
    try:
        with urlopen(request, timeout=60, context=insecure()) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def through(front, path, **options):
    return get(front["https"] + path, headers={"Host": HOST}, context=insecure(), **options)


def test_liveness_answers_through_nginx(front):
    status, _, body = through(front, "/healthz")
    assert (status, body) == (200, b"ok")


def test_readiness_answers_ready_through_nginx(front):
    status, _, body = through(front, "/healthz/ready")
    assert status == 200
    assert json.loads(body)["checks"] == {"database": "ok", "cache": "ok", "storage": "ok"}


def test_a_page_is_served_over_https_by_the_app(front):
    status, headers, body = through(front, "/academic/cases/")
    assert status == 200
    assert b"<h1" in body
    assert "max-age=31536000" in headers["Strict-Transport-Security"]  # the app saw https


def test_plain_http_is_sent_to_https(front):
    connection = http.client.HTTPConnection(urlsplit(front["http"]).netloc, timeout=60)
    try:
        connection.request("GET", "/academic/cases/", headers={"Host": HOST})
        response = connection.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == f"https://{HOST}/academic/cases/"
    finally:
        connection.close()


def test_static_files_are_served_by_nginx_kept_a_year_when_their_name_has_a_hash(front):
    status, headers, body = through(front, "/static/cases/probe.0123456789ab.css")
    assert (status, body) == (200, b"body { color: black; }\n")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Type"].startswith("text/css")


def test_a_static_file_named_without_a_hash_is_kept_briefly(front):
    """What the viewer's ES modules import by plain name changes with an upgrade."""
    status, headers, _ = through(front, "/static/cases/probe.css")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=300"


def test_an_upload_larger_than_nginxs_default_reaches_the_app(front):
    """nginx refuses a body over 1 MB unless told: the app's own limit answers instead."""
    body = b"\0" * (5 * 1024 * 1024)
    request = Request(front["https"] + "/dicomweb/studies", data=body, method="POST",
                      headers={"Host": HOST, "Content-Type": "application/dicom"})
    status = open_status(request)
    assert status != 413 and status < 500  # the STOW-RS view's refusal (no token), not nginx's


def test_the_app_logs_each_request_as_json_with_the_users_id(front, app):
    through(front, "/academic/cases/?q=fracture")
    line = app.logged(logger="operations.requests", path="/academic/cases/", status=200)
    assert line["method"] == "GET" and line["user_id"] is None
    assert line["duration_ms"] >= 0
    assert all("fracture" not in json.dumps(entry) for entry in app.log_lines())


def test_gunicorns_access_log_is_json_too(front, app):
    through(front, "/healthz")
    line = app.logged(logger="gunicorn.access", path="/healthz")
    assert (line["method"], line["status"], line["remote"]) == ("GET", 200, "127.0.0.1")
    assert line["bytes"] == 2 and line["duration_ms"] >= 0


def test_every_line_gunicorn_writes_is_a_json_object(front, app):
    through(front, "/healthz")
    lines = app.log_lines()  # json.loads fails on any other line
    assert lines and all({"level", "logger", "message", "time"} <= set(line) for line in lines)
