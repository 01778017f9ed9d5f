"""Every page of the case sets, as their owner opens them: 200, one heading, and nothing the
Content-Security-Policy forbids (no inline script, handler or style)."""

import re

from django.urls import reverse

from casesets import urls as casesets_urls
from tests.factories import client_for
from tests.pages import h1_count

POST_ONLY = {"casesets:new_link", "casesets:delete", "casesets:item_notes", "casesets:item_move",
             "casesets:item_remove"}  # fmt: skip
# Files, not pages: tests/casesets/test_downloads.py holds them.
DOWNLOADS = {"casesets:handout", "casesets:slides"}


def pages(case_set, first_case):
    token = case_set.token
    return {
        "casesets:list": reverse("casesets:list"),
        "casesets:new": reverse("casesets:new"),
        "casesets:add": f"{reverse('casesets:add')}?case={first_case.pk}",
        "casesets:edit": reverse("casesets:edit", args=[case_set.pk]),
        "casesets:detail": reverse("casesets:detail", args=["standard", token]),
        "casesets:present": reverse("casesets:present", args=["standard", token]),
        "casesets:replay": reverse("casesets:replay", args=[token, 1]),
    }


def test_every_page_renders_with_one_heading_and_no_inline_code(attending, shared_set, three_cases):
    client = client_for(attending)
    urls = pages(shared_set, three_cases[0])
    names = {f"casesets:{pattern.name}" for pattern in casesets_urls.urlpatterns}
    assert set(urls) | POST_ONLY | DOWNLOADS == names
    for name, url in urls.items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, name
        assert h1_count(response) == 1, name
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), name
        assert not re.search(r"<[^>]+\s(on\w+|style)\s*=", body), name


def test_the_post_only_urls_refuse_a_get(attending, shared_set):
    item = shared_set.items.first()
    client = client_for(attending)
    for name in POST_ONLY:
        args = [shared_set.pk, item.pk] if name.startswith("casesets:item_") else [shared_set.pk]
        assert client.get(reverse(name, args=args)).status_code == 405, name
