"""Media from local storage, served to signed-in users with HTTP range support.

Audio players seek with range requests (Chromium will not seek in a clip served without
``Accept-Ranges``), and whitenoise serves only static files, so local media needs a view.
With S3 storage, media URLs point at the bucket (signed) and this view is not used.
"""

from __future__ import annotations

import mimetypes
import re

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


# Uploaded import files and export archives are served only by their own permission-checked
# views: knowing (or guessing) a key must not be enough.
PRIVATE_PREFIXES = frozenset({"exports", "imports"})


def _safe_key(path: str) -> str:
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
        raise Http404
    if parts[0] in PRIVATE_PREFIXES:
        raise Http404
    return path


@login_required
@require_GET
def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    key = _safe_key(path)
    if not default_storage.exists(key):
        raise Http404
    size = default_storage.size(key)
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
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
    response["X-Content-Type-Options"] = "nosniff"
    return response
