"""DICOMweb STOW-RS: POST /dicomweb/studies[/{StudyInstanceUID}] with a contributor's API token
(pacs.models.ApiToken), into the same intake as the DICOM receiver."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pacs import stow
from pacs.models import ApiToken, ReceivedStudy
from pacs.reception import Reception, Refused

DICOM_JSON = "application/dicom+json"


def token_of(request):
    """The one access rule: the active API token the request bears, or None."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return ApiToken.objects.authenticate(secret.strip())


# Exempt from CSRF: only a bearer token authenticates here, never a session cookie, so a page
# of another site cannot make a logged-in browser's request count.
@csrf_exempt
@require_POST
def store_instances(request, study_uid=None):
    token = token_of(request)
    if token is None:
        return problem(401, "Send a valid API token: Authorization: Bearer <token>.",
                       {"WWW-Authenticate": 'Bearer realm="dicomweb"'})  # fmt: skip
    try:
        boundary = stow.boundary_of(request.META.get("CONTENT_TYPE", ""))
        reception = Reception(token.contributor, token.name, ReceivedStudy.Source.STOW)
        try:
            receive(request, reception, boundary, study_uid)
            reception.hand_over()
        finally:
            reception.close()
    except stow.StowError as e:
        return problem(e.status, e.reason)
    arrivals = reception.arrivals
    return JsonResponse(stow.response(arrivals), status=stow.status(arrivals),
                        content_type=DICOM_JSON, safe=False)  # fmt: skip


def receive(request, reception, boundary, study_uid):
    body = reception.folder.path / "body"
    stow.save_body(request, body)
    for content_type, data in stow.parts(body, boundary):
        arrival = _receive_part(reception, content_type, data)
        if arrival is None:
            continue
        if study_uid and arrival.study_uid != study_uid:
            reception.refuse(arrival, "other_study", "not of the study the request names")
    body.unlink()
    if not reception.arrivals:
        raise stow.StowError(400, "The body holds no instance.")


def _receive_part(reception, content_type, data):
    if len(reception.arrivals) >= settings.MAX_FILES_PER_UPLOAD:
        reception.note_refused("too_many", "more instances than one request may send")
        return None
    if content_type != "application/dicom":
        reception.note_refused("not_application_dicom", f"a part of {content_type}, not DICOM")
        return None
    try:
        return reception.receive(data)
    except Refused:
        return None


def problem(status, reason, headers=None):
    return HttpResponse(f"{reason}\n", status=status, content_type="text/plain; charset=utf-8",
                        headers=headers)  # fmt: skip
