"""What the drill compares: a published case's pages in both workflows, the manifests of its
series and every file of its images (renditions and stored values), fetched from two servers as
an anonymous reader."""

import re
import urllib.error
import urllib.request

from django.urls import reverse

from cases.models import Case
from viewer.models import Image
from viewer.views import KINDS

# What may differ between two answers of the same data: the CSRF token, masked anew for every
# response, and a time's words relative to now ("1 minute ago"; its datetime must match).
CSRF_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
RELATIVE_TIME = re.compile(rb"(<time [^>]*>)[^<]*(</time>)")
TIMEOUT = 60  # seconds: a bound on one request, not a measurement


def case_to_compare(pk=None):
    """The case given, else the latest published case with images a reader may see."""
    cases = Case.objects.published().filter(studies__images__in=Image.objects.for_readers())
    case = (cases.filter(pk=pk) if pk else cases.order_by("-pk")).first()
    if case is None:
        raise LookupError(f"no published case {pk} with images" if pk else
                          "no published case with images to compare")
    return case


def urls_of(case, most_images=20):
    """The case's pages, manifests and image files (of its first most_images images)."""
    urls = []
    images = list(Image.objects.for_readers().filter(study__case=case)
                  .order_by("series__position", "position", "pk")[:most_images])
    for workflow in ("academic", "standard"):
        urls.append(case.get_absolute_url(workflow))
        for series_pk in sorted({image.series_id for image in images}):
            urls.append(reverse("viewer:manifest", args=[workflow, case.pk, series_pk]))
    for image in images:
        urls += [reverse("viewer:image_file", args=[image.pk, kind]) for kind in KINDS]
        if image.pixels:
            urls.append(reverse("viewer:pixels", args=[image.pk]))
    return urls


def fetch(base, path, host):
    """(status, content type, body) of a GET, as the proxy in front would send it."""
    request = urllib.request.Request(
        base + path, headers={"Host": host, "X-Forwarded-Proto": "https",
                              "Accept-Encoding": "identity"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def comparable(body):
    return RELATIVE_TIME.sub(rb"\1\2", CSRF_TOKEN.sub(rb"\1\2", body))


def differences(live, restored, paths, host):
    """The paths whose answer differs between the two servers, with how."""
    found = []
    for path in paths:
        a, b = fetch(live, path, host), fetch(restored, path, host)
        if a[:2] != b[:2]:
            found.append(f"{path}: {a[0]} {a[1]} live, {b[0]} {b[1]} restored")
        elif comparable(a[2]) != comparable(b[2]):
            found.append(f"{path}: different bytes ({len(a[2])} live, {len(b[2])} restored)")
    return found
