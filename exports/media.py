"""Media keys in exports, and media files bundled into an export archive.

Task data names its audio and image as storage keys ("tts/batch-07/clip-0042.wav") or
http(s) URLs. Task data can arrive by routes that did not validate it (an old import, the
admin, a script), so an export never trusts it: a key is written only if it is a plain
relative key inside the media storage, and a bundled file is opened only after its real
path (symlinks resolved) is checked to lie under the storage root.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import IO, Any, Final

from django.core.files.storage import Storage, default_storage

_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE_RE: Final = re.compile(r"^[A-Za-z]:")
_URL_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class MediaRef:
    """What an export writes for one media value: ``key`` (a storage key), ``url`` (an
    external http(s) URL, never fetched) or neither (``refused``)."""

    key: str | None = None
    url: str | None = None

    @property
    def refused(self) -> bool:
        return self.key is None and self.url is None

    @property
    def value(self) -> str | None:
        return self.key or self.url


def media_key_clean(value: Any) -> MediaRef:
    """A media value from task data, as an export may write it.

    Storage keys must be relative, with no ``..``, ``.`` or empty segments, backslashes,
    drive letters or control characters; http(s) URLs are kept as links; everything else
    (``file://``, absolute paths, ``../``) is refused.
    """
    if not isinstance(value, str) or not value.strip():
        return MediaRef()
    if _URL_RE.match(value) and not _DRIVE_RE.match(value):
        scheme = value.split(":", 1)[0].lower()
        if scheme in ("http", "https") and not _CONTROL_RE.search(value):
            return MediaRef(url=value)
        return MediaRef()
    if value.startswith("/") or "\\" in value or _DRIVE_RE.match(value):
        return MediaRef()
    if _CONTROL_RE.search(value):
        return MediaRef()
    if any(part in ("", ".", "..") for part in value.split("/")):
        return MediaRef()
    return MediaRef(key=value)


def media_open(key: str, storage: Storage | None = None) -> IO[bytes] | None:
    """Open a (clean) key for bundling, or None if it is missing or resolves outside the
    storage root (a symlink planted in the media folder, say)."""
    storage = storage or default_storage
    if media_key_clean(key).key != key:
        return None
    location = getattr(storage, "location", None)
    if location is not None:  # local storage: check the real path, symlinks resolved
        root = os.path.realpath(location)
        try:
            real = os.path.realpath(storage.path(key))
        except Exception:  # SuspiciousFileOperation and friends: outside the root
            return None
        if not real.startswith(root + os.sep) or not os.path.isfile(real):
            return None
        return open(real, "rb")
    if not storage.exists(key):
        return None
    return storage.open(key, "rb")
