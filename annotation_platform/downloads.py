"""Large private files (export archives, an import's rejected rows) handed to the client
without holding a gunicorn worker for the whole transfer.

Callers check permissions first, then ask for a response for a storage key:

- S3 storage: a redirect to a short-lived presigned URL that names the download
  (``response-content-disposition``), so the bytes go from the bucket to the client;
- local storage behind nginx (``EXPORT_ACCEL_REDIRECT_PREFIX`` set): an empty response with
  ``X-Accel-Redirect``, and nginx sends the file from an ``internal`` location;
- otherwise the file streamed in chunks. A sync worker then serves one download at a
  time, and gunicorn kills a worker that has not reported for ``timeout`` seconds (30 by
  default). While the download makes progress, a small thread reports for the worker every
  second (``worker.notify``, wired by gunicorn.conf.py's ``post_worker_init``); a client
  that takes nothing for ``STALLED_AFTER_SECONDS`` is cut off by the timeout as before.
  Reporting from the loop that yields chunks is not enough: one write can block for
  longer than the timeout while the kernel's socket buffers (megabytes) drain to a slow
  client (measured: killed after 5 s at 2 MB/s with a 3 s timeout). Django's
  ``FileResponse`` would hand the file to gunicorn's ``sendfile`` in one blocking call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK_BYTES = 256 * 1024
# Reporting costs a syscall (utime); once a second is plenty against a 30 s timeout.
HEARTBEAT_EVERY_SECONDS = 1.0
# A client that has taken no chunk for this long is stalled: stop reporting, and let
# gunicorn's timeout free the worker.
STALLED_AFTER_SECONDS = 60.0

_worker_heartbeat: Callable[[], None] | None = None


def set_worker_heartbeat(notify: Callable[[], None] | None) -> None:
    """Called by gunicorn.conf.py in each worker with the worker's ``notify``."""
    global _worker_heartbeat
    _worker_heartbeat = notify


def _report_while_progressing(
    notify: Callable[[], None], progress_at: list[float], stop: threading.Event
) -> None:
    while not stop.wait(HEARTBEAT_EVERY_SECONDS):
        if time.monotonic() - progress_at[0] < STALLED_AFTER_SECONDS:
            notify()


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    progress_at = [time.monotonic()]  # when the client last took a chunk
    stop = threading.Event()
    if _worker_heartbeat is not None:
        threading.Thread(
            target=_report_while_progressing,
            args=(_worker_heartbeat, progress_at, stop),
            name="download-heartbeat",
            daemon=True,
        ).start()
    try:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk  # returns once gunicorn has written it to the socket
            progress_at[0] = time.monotonic()
    finally:
        # gunicorn closes the response at the end, also when the client went away
        stop.set()
        handle.close()


def _is_s3(storage) -> bool:
    from storages.backends.s3 import S3Storage

    return isinstance(storage, S3Storage)


def stored_file_response(
    *, key: str, filename: str, content_type: str, size: int | None = None
) -> HttpResponse:
    """The response that delivers ``key`` from the default storage as an attachment named
    ``filename``. Check permissions before calling: every branch hands out the file."""
    disposition = content_disposition_header(True, filename)
    if _is_s3(default_storage):
        url = default_storage.url(
            key,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            expire=settings.DOWNLOAD_URL_EXPIRY_SECONDS,
        )
        response: HttpResponse = HttpResponseRedirect(url)
    elif settings.EXPORT_ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.EXPORT_ACCEL_REDIRECT_PREFIX + quote(key)
        response["Content-Disposition"] = disposition
    else:
        response = StreamingHttpResponse(
            _chunks(default_storage.open(key, "rb")), content_type=content_type
        )
        response["Content-Disposition"] = disposition
        if size is not None:
            response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
