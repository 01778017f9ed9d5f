import json
import mimetypes

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.cache import patch_cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from attempts.models import Attempt
from cases import reveals, sending
from cases.models import Case
from cases.workflows import STANDARD, get_workflow
from viewer import downloads, manifest
from viewer.forms import AnnotationForm
from viewer.models import Annotation, Image, PixelReview, Series

KINDS = ("thumbnail", "display", "full")


def _get_image_for_user(user, pk):
    """An image readers may see (Image.objects.for_readers()), or any image of a case this user
    may edit in the admin; else 404."""
    images = Image.objects.select_related("study__case")
    image = images.for_readers().filter(pk=pk).first()
    if image is not None:
        return image
    image = get_object_or_404(images, pk=pk)
    if image.study.case.is_in_admin_of(user):
        return image
    raise Http404("No such image")


@require_GET
def image_file(request, pk, kind):
    if kind not in KINDS:
        raise Http404("No such rendition")
    image = _get_image_for_user(request.user, pk)
    field = getattr(image, kind)
    content_type, _ = mimetypes.guess_type(field.name)
    # The same URL always serves the same pixels; an edit makes a new Image with a new pk.
    return sending.send(field.name, storage=field.storage, content_type=content_type,
                        private=True, max_age=7 * 24 * 3600)  # fmt: skip


def _get_image_in_admin_of(user, pk):
    """An image of a case this user works on in the admin (Case.is_in_admin_of); else 404."""
    image = get_object_or_404(Image.objects.select_related("study__case", "series"), pk=pk)
    if not image.study.case.is_in_admin_of(user):
        raise Http404("No such image")
    return image


@require_GET
def review_frame(request, pk):
    """A frame's display rendition, shown beside a flagged series' "Pixels show no identifier"
    box in the admin. Serving it is what lets this editor confirm the series clean
    (viewer.models.PixelReview), so it is never cached: every look comes here."""
    image = _get_image_in_admin_of(request.user, pk)
    PixelReview.objects.record(request.user, image)
    content_type, _ = mimetypes.guess_type(image.display.name)
    return sending.send(image.display.name, storage=image.display.storage,
                        content_type=content_type, private=True, no_store=True)  # fmt: skip


def _get_published_series(request, workflow, pk, series_pk=None):
    """(workflow, case, series or None) as the case page shows them: a published case, the
    standard workflow only for its groups, a series of that case readers may see; for staff who
    may edit the case, any of its series, a draft's too (their preview); else 404 (or 403)."""
    workflow = get_workflow(request, workflow)
    case = get_object_or_404(Case, pk=pk)
    editor = case.is_in_admin_of(request.user)
    if not (case.is_published or editor):  # a draft: its editors' preview only
        raise Http404("No such case")
    series = None
    if series_pk is not None:
        queryset = Series.objects.all() if editor else Series.objects.cleared()
        series = get_object_or_404(queryset.select_related("study"), pk=series_pk, study__case=case)
    return workflow, case, series


# --- the image viewer: stored values and series manifests (viewer/manifest.py) ------------------


@require_GET
def image_pixels(request, pk):
    """A grey image's stored values, the gzip blob of dicom.pixelstore sent as it is stored:
    Content-Encoding tells the browser to inflate it, so nothing here may compress it again
    (GZipMiddleware leaves a response with a Content-Encoding alone). Every browser accepts
    gzip, so it is sent whatever Accept-Encoding says. On an object store, the redirect's URL
    asks for the same headers (cases/sending.py)."""
    image = _get_image_for_user(request.user, pk)
    if not image.pixels:
        raise Http404("No stored values")
    # An edit makes a new Image with a new pk, so this URL's bytes never change.
    return sending.send(image.pixels.name, storage=image.pixels.storage,
                        content_type="application/octet-stream", encoding="gzip",
                        private=True, max_age=365 * 24 * 3600, immutable=True)  # fmt: skip


@require_GET
@gzip_page
def series_manifest(request, workflow, pk, series_pk):
    """What the viewer needs to show a series (viewer/manifest.py), on the case page's rules.
    Gzipped when the client accepts it: 500 slices are ~160 KB of JSON, ~9 KB gzipped, and
    with no secret or CSRF token in it, compression gives BREACH nothing to find."""
    workflow, case, series = _get_published_series(request, workflow, pk, series_pk)
    annotate = workflow == STANDARD and case.is_in_admin_of(request.user)
    response = JsonResponse(
        manifest.build(series, workflow, annotate), json_dumps_params={"separators": (",", ":")}
    )
    if annotate:  # what they draw must be there on their next load
        patch_cache_control(response, private=True, no_cache=True)
    else:
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


# --- annotations: contributors draw them (viewer/forms.py), readers of the answer see them -----
# A mark is part of the case readers are sent: a contributor's new, changed or deleted mark on her
# published case takes the case back to review, as her edits in the admin do (docs/review.md).


def _get_editable_image(user, pk):
    """An image of a case this user may edit in the admin; 403 for anyone else."""
    image = get_object_or_404(Image.objects.select_related("study__case"), pk=pk)
    if not image.study.case.is_in_admin_of(user):
        raise PermissionDenied("Only who may edit the case annotates its images.")
    return image


def _get_editable_annotation(user, pk):
    annotation = get_object_or_404(Annotation, pk=pk)
    annotation.image = _get_editable_image(user, annotation.image_id)
    return annotation


def _get_answered_case(request, pk):
    """A published case whose answer this reader may see: they committed an answer to it or
    their session revealed it (the two ways the academic answer pages open); else 404."""
    case = get_object_or_404(Case.objects.published().only("pk"), pk=pk)
    committed = Attempt.objects.of_reader(request.user).filter(case=case)
    if reveals.revealed(request, case.pk) or committed.exists():
        return case
    raise Http404("No answer here")


def _review_notice(request, image):
    """After a change to the image's marks: the case back to review if a contributor changed
    her published case (Case.changed_by_contributor), and what to tell her then."""
    case = image.study.case
    if case.changed_by_contributor(request.user):
        return {"notice": case.returned_to_review_notice}
    return {}


def _save_annotation(request, image, instance=None):
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"errors": {"__all__": ["The body is not JSON."]}}, status=400)
    form = AnnotationForm(data if isinstance(data, dict) else {}, image=image, instance=instance)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    with transaction.atomic():
        annotation = form.save(author=request.user)
        notice = _review_notice(request, image)
    return JsonResponse({**annotation.as_json(editable=True), **notice},
                        status=200 if instance else 201)  # fmt: skip


@require_POST
def annotate(request, pk):
    """A new annotation of the image, from the viewer's JSON."""
    return _save_annotation(request, _get_editable_image(request.user, pk))


@require_POST
def annotation(request, pk):
    """The annotation changed (moved, relabelled)."""
    annotation = _get_editable_annotation(request.user, pk)
    return _save_annotation(request, annotation.image, annotation)


@require_POST
def delete_annotation(request, pk):
    """204; or 200 with the notice, when the deletion took the case back to review."""
    annotation = _get_editable_annotation(request.user, pk)
    with transaction.atomic():
        annotation.delete()
        notice = _review_notice(request, annotation.image)
    return JsonResponse(notice) if notice else HttpResponse(status=204)


@require_GET
def answer_annotations(request, pk):
    """{image id: [annotation, ...]} of the case, for the viewer on an academic answer page.
    Apart from the academic manifest, which every reader shares, and never stored anywhere."""
    case = _get_answered_case(request, pk)
    shown = Image.objects.for_readers().filter(study__case=case)  # no unconfirmed series' marks
    annotations = Annotation.objects.filter(image__in=shown).order_by("created", "id")
    images = {}
    for annotation in annotations:
        images.setdefault(str(annotation.image_id), []).append(annotation.as_json())
    response = JsonResponse({"images": images})
    patch_cache_control(response, private=True, no_store=True)
    return response
