"""Domain errors raised by services; pages show them in forms, the API maps them to 4xx."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the rules refuse. ``fields`` maps field names to messages; ``extra`` holds
    what a client needs to act on the refusal (the API adds its keys beside ``error``)."""

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}


class ConflictError(DomainError):
    """The request contradicts the current state (e.g. removing a project's last admin)."""

    status_code = 409
    code = "conflict"
