"""Log lines as JSON (``LOG_FORMAT=json``): one object per line with ``time``, ``level``,
``logger``, ``message`` and ``exception`` (the traceback, or null), plus ``request_id`` and
``path`` while a request is being served (set by annotation_platform.operations).

A formatter of our own rather than python-json-logger: the fields are fixed and few, the
request fields come from our own context variable either way, and this is all of it.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    path: str


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "exception": self.formatException(record.exc_info) if record.exc_info else None,
        }
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        context = current_request.get()
        if context is not None:
            entry["request_id"] = context.request_id
            entry["path"] = context.path
        else:
            # django.request logs some errors with the request attached.
            request = getattr(record, "request", None)
            if isinstance(getattr(request, "path", None), str):
                entry["path"] = request.path
        # json.dumps escapes newlines, so a traceback stays on its one line.
        return json.dumps(entry, ensure_ascii=False, default=str)
