"""The first middleware: the endpoints operators' tools call, and a clock around the rest.

``/healthz`` and ``/metrics`` are answered here, before SecurityMiddleware's HTTPS redirect
and before anything asks for the host (CommonMiddleware, CSRF), so that ALLOWED_HOSTS
cannot turn them into 400s: a container healthcheck calls ``127.0.0.1:8000`` and a scraper
an internal address, neither of which is the site's public name. Neither builds a URL from
the Host header. ``/metrics`` is answered only to whoever may read it
(annotation_platform.monitoring); for anyone else the request goes on as usual and ends
in the site's 404.

Every other request gets a request id (the proxy's ``X-Request-ID`` when it is a plain
token, else a new one), sent back in ``X-Request-ID`` and put on its log lines, and its
duration is recorded in the latency histogram.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from annotation_platform.health import healthz
from annotation_platform.logs import RequestContext, current_request
from annotation_platform.monitoring import can_read_metrics, metrics_view, observe_request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _request_id(request: HttpRequest) -> str:
    sent = request.META.get("HTTP_X_REQUEST_ID", "")
    return sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex


class OperationsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path == "/healthz":
            return healthz(request)
        if path == "/metrics" and can_read_metrics(request):
            return metrics_view(request)
        request_id = _request_id(request)
        token = current_request.set(RequestContext(request_id, request.path))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        observe_request(request, response.status_code, time.perf_counter() - started)
        response["X-Request-ID"] = request_id
        return response
