import mimetypes

from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.cache import patch_cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from cases.models import Case
from cases.workflows import get_workflow
from viewer import downloads, manifest
from viewer.models import Image, Series

KINDS = ("thumbnail", "display", "full")


def _get_image_for_user(user, pk):
    """An image readers may see (Image.objects.for_readers()), or any image of a case this user
    may edit in the admin; else 404."""
    images = Image.objects.select_related("study__case")
    image = images.for_readers().filter(pk=pk).first()
    if image is not None:
        return image
    image = get_object_or_404(images, pk=pk)
    if user.is_staff and image.study.case.is_editable_by(user):
        return image
    raise Http404("No such image")


@require_GET
def image_file(request, pk, kind):
    if kind not in KINDS:
        raise Http404("No such rendition")
    image = _get_image_for_user(request.user, pk)
    field = getattr(image, kind)
    content_type, _ = mimetypes.guess_type(field.name)
    response = FileResponse(field.open("rb"), content_type=content_type)
    # The same URL always serves the same pixels; an edit makes a new Image with a new pk.
    patch_cache_control(response, private=True, max_age=7 * 24 * 3600)
    return response


def _get_published_series(request, workflow, pk, series_pk=None):
    """(workflow, case, series or None) as the case page shows them: a published case, the
    standard workflow only for its groups, a series of that case readers may see; else 404
    (or 403)."""
    workflow = get_workflow(request, workflow)
    case = get_object_or_404(Case.objects.published(), pk=pk)
    series = None
    if series_pk is not None:
        queryset = Series.objects.cleared().select_related("study")
        series = get_object_or_404(queryset, pk=series_pk, study__case=case)
    return workflow, case, series


# --- the image viewer: stored values and series manifests (viewer/manifest.py) ------------------


@require_GET
def image_pixels(request, pk):
    """A grey image's stored values, the gzip blob of dicom.pixelstore sent as it is stored:
    Content-Encoding tells the browser to inflate it, so nothing here may compress it again
    (GZipMiddleware leaves a response with a Content-Encoding alone). Every browser accepts
    gzip, so it is sent whatever Accept-Encoding says."""
    image = _get_image_for_user(request.user, pk)
    if not image.pixels:
        raise Http404("No stored values")
    response = FileResponse(image.pixels.open("rb"), content_type="application/octet-stream")
    response["Content-Encoding"] = "gzip"
    # An edit makes a new Image with a new pk, so this URL's bytes never change.
    patch_cache_control(response, private=True, max_age=365 * 24 * 3600, immutable=True)
    return response


@require_GET
@gzip_page
def series_manifest(request, workflow, pk, series_pk):
    """What the viewer needs to show a series (viewer/manifest.py), on the case page's rules.
    Gzipped when the client accepts it: 500 slices are ~160 KB of JSON, ~9 KB gzipped, and
    with no secret or CSRF token in it, compression gives BREACH nothing to find."""
    workflow, _, series = _get_published_series(request, workflow, pk, series_pk)
    response = JsonResponse(
        manifest.build(series, workflow), json_dumps_params={"separators": (",", ":")}
    )
    patch_cache_control(response, private=True, max_age=300)
    return response


# --- zip downloads of a case's images (viewer/downloads.py) -------------------------------------


@require_GET
def case_zip(request, workflow, pk, series_pk=None):
    """Every image of a published case (or one of its series) as a zip, streamed as it is written.
    The same rules as the case page: published only, the standard workflow for its groups."""
    workflow, case, series = _get_published_series(request, workflow, pk, series_pk)
    download = downloads.plan(case, workflow, series)
    response = StreamingHttpResponse(downloads.stream(download), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, download.filename)
    patch_cache_control(response, private=True, no_cache=True)
    return response
