"""The Content-Security-Policy headers built once per process are the ones django-csp builds."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from operations.policy import PolicyMiddleware


def plain(request):
    return HttpResponse("ok")


@csp_update({"img-src": ["https://images.example"]})
def updated(request):
    return HttpResponse("ok")


@csp_exempt()
def exempt(request):
    return HttpResponse("ok")


def headers(middleware, view, path="/academic/cases/"):
    response = middleware(view)(RequestFactory().get(path))
    return {name: response.headers.get(name) for name in (HEADER, HEADER_REPORT_ONLY)}


@pytest.mark.parametrize("view", [plain, updated, exempt])
def test_a_response_gets_the_headers_django_csp_gives_it(view):
    assert headers(PolicyMiddleware, view) == headers(CSPMiddleware, view)


def test_a_page_gets_the_policy_of_the_settings(settings):
    assert "object-src 'none'" in headers(PolicyMiddleware, plain)[HEADER]


def test_a_changed_policy_is_sent_at_once(settings):
    headers(PolicyMiddleware, plain)  # built and kept
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    assert headers(PolicyMiddleware, plain)[HEADER] == "default-src 'self'"


def test_an_excluded_prefix_gets_no_policy(settings):
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/healthz"]
    }
    assert headers(PolicyMiddleware, plain, "/healthz")[HEADER] is None
    assert headers(PolicyMiddleware, plain)[HEADER] is not None


def test_a_page_asking_for_a_nonce_gets_it_in_its_policy(settings):
    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "script-src": [NONCE]}
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}

    def nonced(request):
        return HttpResponse(str(request.csp_nonce))

    response = PolicyMiddleware(nonced)(RequestFactory().get("/"))
    assert f"script-src 'nonce-{response.content.decode()}'" in response[HEADER]
