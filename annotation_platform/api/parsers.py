"""The API's JSON parser: DRF's, with the input guard (``annotation_platform.jsonguard``).

DRF's ``JSONParser`` lets a document nested thousands of levels deep raise
``RecursionError`` (a 500), and hands ``\\u0000``, unpaired surrogates, ``1e400`` and
integers of any length to serializers and the database. This one answers each with a 400
naming the field (``{"error": "invalid_json", "fields": {"answer.q1": [...]}}``), and a
body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (the cap Django puts on form bodies, which
DRF does not apply to JSON) with a 413, before reading it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import renderers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from annotation_platform import jsonguard
from annotation_platform.errors import DomainError


class BodyTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"


def hostile_input_error(exc: jsonguard.HostileInput, *, field: str = "body") -> DomainError:
    """The API's answer to a refused value: a 400 whose ``fields`` names where it is."""
    where = exc.path or field
    return DomainError(
        gettext("Refused input at %(where)s: %(reason)s") % {"where": where, "reason": exc.reason},
        code="invalid_json",
        fields={where: [exc.reason]},
    )


class GuardedJSONParser(BaseParser):
    # Not a JSONParser subclass: DRF reads ``request.body`` for those before parsing, so a
    # body over the cap would be read whole and answered with Django's HTML 400.
    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = _content_length(request)
        if limit is not None and declared is not None and declared > limit:
            raise _too_large(limit)
        if stream is None:
            raise ParseError(gettext("JSON parse error - the body is empty."))
        data = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(data) > limit:
            raise _too_large(limit)
        try:
            return jsonguard.loads(data)
        except jsonguard.HostileInput as exc:
            raise hostile_input_error(exc) from None
        except ValueError as exc:  # broken JSON, as DRF words it
            raise ParseError(gettext("JSON parse error - %(error)s") % {"error": exc}) from None


def _content_length(request) -> int | None:
    if request is None:
        return None
    meta = request.META
    try:
        return int(meta.get("CONTENT_LENGTH") or meta.get("HTTP_CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        gettext("The body is larger than %(max)s bytes, the limit for one request.")
        % {"max": f"{limit:,}"},
        fields={"body": [gettext("At most %(max)s bytes.") % {"max": f"{limit:,}"}]},
    )
