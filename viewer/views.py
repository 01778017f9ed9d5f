import mimetypes

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import patch_cache_control
from django.views.decorators.http import require_GET

from viewer.models import Image

KINDS = ("thumbnail", "display", "full")


def _get_image_for_user(user, pk):
    """An image of a published case, or of a case this user may edit in the admin; else 404."""
    image = get_object_or_404(Image.objects.select_related("study__case"), pk=pk)
    case = image.study.case
    if case.is_published or (user.is_staff and case.is_editable_by(user)):
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
