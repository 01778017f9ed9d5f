"""How a stored file reaches a reader once a view has checked that they may have it.

On the local disk the app streams it (FileResponse). On an object store (S3_BUCKET,
repository/storage.py) the answer is a redirect to a presigned URL of the object, living
S3_URL_SECONDS, so that no Python worker carries the bytes: the headers the file must be served
with (its type, a gzip Content-Encoding, an attachment's file name) are asked for in the URL's
signed response-* parameters. The redirect is cached privately, and for half the URL's life at
most, so no cache follows it once the URL has expired; what may not be cached at all (no_store)
stays so. A redirect rather than nginx's X-Accel-Redirect: it works behind any front (or none)
and spares the front the bytes too (docs/architecture.md, "Serving files").
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header


def send(name, *, storage=default_storage, content_type=None, encoding=None, filename=None,
         **cache):  # fmt: skip
    """The stored file `name` as a response: `encoding` its Content-Encoding as stored (sent
    as it is, the browser inflates it), `filename` makes it an attachment of that name (which
    must carry nothing an academic reader may not see), `cache` the Cache-Control of the file
    itself (patch_cache_control's arguments)."""
    presign = getattr(storage, "presigned_url", None)
    if presign is None:
        return _streamed(storage, name, content_type, encoding, filename, cache)
    headers = {"ResponseCacheControl": f"private, max-age={settings.S3_URL_SECONDS}"}
    if content_type:
        headers["ResponseContentType"] = content_type
    if encoding:
        headers["ResponseContentEncoding"] = encoding
    if filename:
        headers["ResponseContentDisposition"] = content_disposition_header(True, filename)
    response = HttpResponseRedirect(presign(name, **headers))
    if cache.get("no_store"):
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, private=True, max_age=settings.S3_URL_SECONDS // 2)
    return response


def _streamed(storage, name, content_type, encoding, filename, cache):
    response = FileResponse(
        storage.open(name, "rb"), content_type=content_type, as_attachment=bool(filename),
        filename=filename or "",
    )
    if encoding:
        response["Content-Encoding"] = encoding
    patch_cache_control(response, **cache)
    return response
