"""How deliveries are signed, and how a receiver checks them (docs/api.md shows the same
check for receivers to copy).

``X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with the
webhook's secret. The timestamp is inside the signed text, so a receiver that refuses old
timestamps (5 minutes) refuses replays of captured deliveries too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
REPLAY_TOLERANCE_SECONDS = 300


def secret_generate() -> str:
    return f"{SECRET_PREFIX}{secrets.token_urlsafe(32)}"


def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature_compute(secret=secret, timestamp=timestamp, body=body)}"


def signature_verify(
    *,
    secret: str,
    header: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = REPLAY_TOLERANCE_SECONDS,
) -> bool:
    """The receiver's check: a v1 signature matches and the timestamp is recent."""
    fields: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in fields.get("v1", []))
