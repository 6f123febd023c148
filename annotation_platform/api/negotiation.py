"""Content negotiation with a shortcut for what API clients send.

DRF parses the Accept header into media-type objects and ranks them on every request
(about 4% of a gunicorn worker's CPU on the work queue's endpoints). Clients of a JSON
API send no Accept header, ``*/*`` or ``application/json``; for those, the answer is known
without parsing, and it is the one DRF would give (the first renderer, or the first JSON
renderer). Anything else (a browser's Accept, ``?format=``, a format suffix) goes
through DRF's own negotiation.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class ApiContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if format_suffix or self.settings.URL_FORMAT_OVERRIDE in request.query_params:
            return super().select_renderer(request, renderers, format_suffix)
        if accept in ("*/*", "") and renderers:
            return renderers[0], renderers[0].media_type
        if accept == "application/json":
            for renderer in renderers:
                if renderer.media_type == "application/json":
                    return renderer, accept
        return super().select_renderer(request, renderers, format_suffix)
