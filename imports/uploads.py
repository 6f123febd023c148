"""Refusing oversized uploads while they stream in, before any of it is kept."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext

from imports.services import ImportTooLarge

# Multipart framing and the other form fields around the file: a Content-Length this much
# above the file limit may still carry an acceptable file.
MULTIPART_SLACK = 64 * 1024


class SizeCapUploadHandler(FileUploadHandler):
    """First in the chain: counts each file's bytes as they arrive and stops the upload
    once one passes ``limit``, so a huge file is never read whole (nor written to disk)."""

    def __init__(self, request=None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            raise ImportTooLarge(
                gettext(
                    "The file is larger than the import limit of %(limit)s bytes; it was "
                    "refused while uploading. Split it into smaller files."
                )
                % {"limit": f"{self.limit:,}"},
                fields={
                    "file": [gettext("At most %(limit)s bytes.") % {"limit": f"{self.limit:,}"}]
                },
            )
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def content_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) or None
    except ValueError:
        return None
