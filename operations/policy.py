"""The Content-Security-Policy headers, built once per process.

django-csp's middleware builds the policy from settings anew for every response, twice (the
policy and its report-only twin), which cost more than the rest of /healthz. No view here changes
the policy and no page asks for a nonce, so PolicyMiddleware sends the same headers built once,
kept until a setting changes (tests). A response that carries its own policy (csp.decorators) or
a request that asked for a nonce is still built by django-csp, as before.
"""

import http.client
from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What a view's csp decorators leave on its response: then the policy is that response's own.
_OWN = [f"_csp_{part}{ro}" for part in ("config", "update", "replace") for ro in ("", "_ro")]
# (header, the response attribute exempting it, the setting naming excluded URL prefixes)
_HEADERS = [
    (HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY", False),
    (HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
]
_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)


class PolicyMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if _own_policy(request, response):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response  # as django-csp: Django's debug pages keep their inline scripts
        for header, exempt, setting, report_only in _HEADERS:
            policy = _policy(report_only)
            if policy and header not in response and not getattr(response, exempt, False):
                if not request.path_info.startswith(_excluded(setting)):
                    response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not ignored.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _own_policy(request, response):
    return getattr(request, "_csp_nonce", None) is not None or any(
        getattr(response, name, None) is not None for name in _OWN
    )


@cache
def _policy(report_only):
    return build_policy(report_only=report_only)


@cache
def _excluded(setting):
    return tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()
        _excluded.cache_clear()
