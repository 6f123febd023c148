"""The translations of the JavaScript (the ``djangojs`` domain) for the browser.

Django's ``JavaScriptCatalog`` rebuilds the catalog (merging every catalog file, then
rendering a script of a few kB) on each request. Every page loads it, so here it is built
once per language and catalog version and kept in memory; the browser keeps it too:

- the page asks for ``/jsi18n/?lang=<language>`` (templates/base.html), so a URL always
  means one language: a browser never serves yesterday's English to a page now in Chinese,
  and the response can carry ``max-age`` without ``Vary`` on the cookie.
- ``Last-Modified`` is the time the newest compiled catalog (``djangojs.mo`` under
  ``LOCALE_PATHS``) was written, so after a deploy with new translations a revalidation
  gets them and, until then, a plain 304.

The script is a static-shaped file from our own origin: the Content-Security-Policy's
``script-src 'self'`` allows it, and it defines ``gettext``, ``ngettext``, ``interpolate``
and ``get_format`` as globals for the files in static/js.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog

DOMAIN = "djangojs"
# An hour in the browser: a new deploy's strings arrive within that, by revalidation.
MAX_AGE_SECONDS = 3600

_lock = threading.Lock()
_built: dict[tuple[str, float], bytes] = {}


def catalog_version() -> float:
    """When the newest compiled JavaScript catalog was written (0.0 when there is none)."""
    newest = 0.0
    for directory in settings.LOCALE_PATHS:
        for mo in Path(directory).glob(f"*/LC_MESSAGES/{DOMAIN}.mo"):
            try:
                newest = max(newest, mo.stat().st_mtime)
            except OSError:  # removed while we looked: the next request sees the new state
                continue
    return newest


def requested_language(request: HttpRequest) -> str:
    """``?lang=`` when it names a language of the site, else the request's own language."""
    asked = request.GET.get("lang", "")
    if asked and asked in {code for code, _name in settings.LANGUAGES}:
        return asked
    return translation.get_language() or settings.LANGUAGE_CODE


def _last_modified(request: HttpRequest, *args, **kwargs) -> datetime | None:
    version = catalog_version()
    return datetime.fromtimestamp(int(version), tz=UTC) if version else None


class CachedJavaScriptCatalog(JavaScriptCatalog):
    """``JavaScriptCatalog`` for one language, built once per catalog version."""

    domain = DOMAIN

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        language = requested_language(request)
        key = (language, catalog_version())
        body = _built.get(key)
        if body is None:
            with translation.override(language):
                body = super().get(request, *args, **kwargs).content
            with _lock:
                # Catalogs of an older version are never asked for again.
                for old in [k for k in _built if k[1] != key[1]]:
                    del _built[old]
                _built[key] = body
        response = HttpResponse(body, content_type='text/javascript; charset="utf-8"')
        response["Content-Language"] = language
        patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
        if "lang" not in request.GET:
            # Without ?lang= the language came from the cookie or Accept-Language.
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


javascript_catalog = last_modified(_last_modified)(CachedJavaScriptCatalog.as_view())


def clear_cache() -> None:
    """Forget the built catalogs (tests that change the catalog files)."""
    with _lock:
        _built.clear()
