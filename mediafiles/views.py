"""Media files, served only to the members of a project whose tasks reference them.

Pages show media at ``/media/<key>`` (``tasks.presentation.media_url``), whatever the
storage; this view decides access (``mediafiles.permissions``) and then:

- local storage: answers the bytes, with HTTP range support (Chromium will not seek in a
  clip served without ``Accept-Ranges``; whitenoise serves only static files);
- S3 (``MEDIA_STORAGE=s3``): redirects to a presigned URL that expires after
  ``MEDIA_URL_EXPIRY_SECONDS``, so a copied link stops working soon and the bytes never pass
  through a worker.

A key the user may not see answers 404, as a missing one does: existence is not revealed.
Only audio and raster images are shown inline; anything else (SVG, HTML, XML, scripts: what
a browser might run as our origin) is sent as an attachment under ``sandbox``.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from mediafiles.keys import servable_key
from mediafiles.permissions import can_view_media

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Types a browser only displays: they cannot run script. SVG is an image that can.
_INLINE_PREFIXES = ("audio/", "image/")
_ACTIVE_IMAGES = frozenset({"image/svg+xml"})


def _content_type(key: str) -> tuple[str, bool]:
    """(the type to send, whether it may be shown inline). What may not is sent as bytes:
    no client can then take it for a page, even one that ignores the attachment."""
    guessed = mimetypes.guess_type(key)[0] or ""
    if guessed.startswith(_INLINE_PREFIXES) and guessed not in _ACTIVE_IMAGES:
        return guessed, True
    return "application/octet-stream", False


def _harden(response: HttpResponse, key: str, inline: bool) -> HttpResponse:
    if not inline:
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=posixpath.basename(key)
        )
    # Opened on its own (a new tab), a file gets no script, forms or same-origin rights.
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _redirect(key: str, content_type: str, inline: bool) -> HttpResponse:
    expiry = settings.MEDIA_URL_EXPIRY_SECONDS
    parameters = None
    if not inline:
        parameters = {
            "ResponseContentDisposition": content_disposition_header(
                as_attachment=True, filename=posixpath.basename(key)
            ),
            "ResponseContentType": content_type,
        }
    url = default_storage.url(key, expire=expiry, parameters=parameters)
    response = HttpResponseRedirect(url)
    # The browser may reuse the redirect while the URL it points at is still valid.
    response["Cache-Control"] = f"private, max-age={max(expiry // 2, 0)}"
    return response


def _local(request: HttpRequest, key: str, content_type: str) -> HttpResponse:
    if not default_storage.exists(key):
        raise Http404
    size = default_storage.size(key)
    match = _RANGE.match(request.headers.get("Range", ""))
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start, end = int(first), int(last) if last else size - 1
        else:  # "bytes=-N": the last N bytes
            start, end = max(size - int(last), 0), size - 1
        end = min(end, size - 1)
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        with default_storage.open(key, "rb") as handle:
            handle.seek(start)
            body = handle.read(end - start + 1)
        response = HttpResponse(body, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(default_storage.open(key, "rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    key = servable_key(path)
    if key is None or not can_view_media(request.user, key):
        raise Http404
    content_type, inline = _content_type(key)
    if settings.MEDIA_STORAGE == "s3":
        return _harden(_redirect(key, content_type, inline), key, inline)
    return _harden(_local(request, key, content_type), key, inline)
