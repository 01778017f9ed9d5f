"""DICOMweb STOW-RS (PS3.18 10.5): a multipart/related body of application/dicom parts, read with
a limit, and the response data set in DICOM JSON (PS3.18 F.2) that lists what was stored and what
failed.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE applies to request.body, not to a body read as a stream, so
the body is read here in chunks to a file of the reception's folder, stopping at STOW_MAX_MB.
"""

import mmap
import re

from django.conf import settings

CHUNK = 1024 * 1024
# PS3.4 Annex B and PS3.18 10.5.3 failure reasons.
FAILURE_REASONS = {
    "not_dicom": 0xC000,  # cannot understand
    "corrupt": 0xC000,
    "truncated": 0xC000,
    "not_an_image": 0x0122,  # SOP class not supported
    "no_pixels": 0x0122,
    "no_decoder": 0xC122,  # transfer syntax not supported
    "other_study": 0xA900,  # does not match the study of the request
    "too_many": 0xA700,  # out of resources
    "not_application_dicom": 0x0122,
}
PROCESSING_FAILURE = 0x0110


class StowError(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status, self.reason = status, reason


def boundary_of(content_type):
    """The multipart boundary, if the request is multipart/related of application/dicom."""
    kind, _, params = content_type.partition(";")
    values = dict(re.findall(r'\s*([\w-]+)\s*=\s*("[^"]*"|[^;\s]*)', params))
    values = {name.lower(): value.strip('"') for name, value in values.items()}
    if kind.strip().lower() != "multipart/related" or values.get("type", "").lower() != (
        "application/dicom"
    ):
        raise StowError(
            415,
            'Send multipart/related; type="application/dicom" (PS3.18 10.5): other '
            "representations (DICOM JSON or XML with bulk data) are not accepted here.",
        )
    if not values.get("boundary"):
        raise StowError(400, "The Content-Type names no multipart boundary.")
    return values["boundary"].encode("latin-1")


def save_body(request, path):
    """Copy the request body to path, refusing it past STOW_MAX_MB (413) before reading more."""
    limit = settings.STOW_MAX_MB * 1024 * 1024
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit:
        raise StowError(413, f"The request is larger than the limit of {settings.STOW_MAX_MB} MB.")
    written, stream = 0, _body_stream(request)
    with open(path, "wb") as out:
        while chunk := stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise StowError(413, f"The request is larger than the limit of "
                                     f"{settings.STOW_MAX_MB} MB.")  # fmt: skip
            out.write(chunk)
    if not written:
        raise StowError(400, "The request has no body: send the instances as its parts.")


def _body_stream(request):
    """The request itself, or for a chunked body (no Content-Length; DICOMweb clients send large
    bodies so) the server's own stream, which a server such as gunicorn ends with the body."""
    if not request.META.get("CONTENT_LENGTH") and request.META.get("wsgi.input_terminated"):
        return request.META["wsgi.input"]
    return request


def parts(path, boundary):
    """(content type, bytes) of each part of the multipart body in path (RFC 2046 5.1)."""
    delimiter = b"--" + boundary
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as body:
        start = body.find(delimiter)
        if start < 0:
            raise StowError(400, "The body holds no part: its boundary never occurs.")
        while body[start + len(delimiter): start + len(delimiter) + 2] != b"--":
            head = start + len(delimiter)
            head_end = body.find(b"\r\n\r\n", head)
            end = body.find(b"\r\n" + delimiter, max(head_end, head))
            if head_end < 0 or end < 0:
                raise StowError(400, "The body ends inside a part: no closing boundary.")
            yield _content_type(body[head:head_end]), body[head_end + 4: end]
            start = end + 2


def _content_type(head):
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            return value.split(";")[0].strip().lower()
    return "application/dicom"  # the multipart/related type parameter's default


def response(arrivals):
    """The Store Instances response data set (PS3.18 Table 10.5.3-2), in DICOM JSON."""
    stored = [a for a in arrivals if not a.reason]
    failed = [a for a in arrivals if a.reason]
    dataset = {}
    if stored:
        dataset["00081199"] = {"vr": "SQ", "Value": [_reference(a) for a in stored]}
    if failed:
        dataset["00081198"] = {"vr": "SQ", "Value": [_failure(a) for a in failed]}
    return dataset


def status(arrivals):
    """200 when every instance was stored, 202 when some were, 409 when none was."""
    failed = sum(1 for a in arrivals if a.reason)
    if not failed:
        return 200
    return 409 if failed == len(arrivals) else 202


def _reference(arrival):
    item = {}
    if arrival.sop_class:
        item["00081150"] = {"vr": "UI", "Value": [arrival.sop_class]}
    if arrival.sop_uid:
        item["00081155"] = {"vr": "UI", "Value": [arrival.sop_uid]}
    return item


def _failure(arrival):
    reason = FAILURE_REASONS.get(arrival.code, PROCESSING_FAILURE)
    return {**_reference(arrival), "00081197": {"vr": "US", "Value": [reason]}}
