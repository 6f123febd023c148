"""One HTTP POST to a checked address: the name is resolved once, each address checked
(integrations.egress), and the connection goes to a checked address with the name only in
the Host header and TLS SNI/certificate check, so DNS cannot answer differently between
the check and the connection (DNS rebinding).

Redirects are not followed: a 3xx is recorded as a failed attempt naming its Location.
Receivers have a fixed URL; following would mean checking every hop again, and a redirect
is the classic way to smuggle a request to an internal address past a check of the first
URL. The admin sees the new address in the log and updates the webhook.
"""

from __future__ import annotations

import http.client
import ssl
import time
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from annotation_platform.stored_text import stored
from integrations.egress import Destination, resolve_checked

MAX_READ_BYTES = 64 * 1024
EXCERPT_CHARS = 1000


@dataclass
class PostResult:
    status_code: int | None
    duration_ms: int
    response_excerpt: str = ""
    error: str = ""
    location: str = ""
    # The egress check refused the destination: another attempt would be refused too.
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to ``address`` while verifying the certificate for ``server_hostname``."""

    def __init__(self, address: str, port: int, *, server_hostname: str, timeout: float):
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._server_hostname = server_hostname

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_hostname)


def _connection(destination: Destination, address: str, timeout: float):
    if destination.scheme == "https":
        return _PinnedHTTPSConnection(
            address, destination.port, server_hostname=destination.host, timeout=timeout
        )
    return http.client.HTTPConnection(address, destination.port, timeout=timeout)


def post_pinned(
    destination: Destination, *, body: bytes, headers: dict[str, str], timeout: float
) -> PostResult:
    """POST ``body`` to ``destination`` through a checked address; never raises for network
    trouble (the result says what happened). Refused destinations raise
    ``DestinationRefused``."""
    addresses = resolve_checked(destination)
    started = time.monotonic()
    last_error = ""
    for address in addresses:
        connection = _connection(destination, address, timeout)
        try:
            connection.request(
                "POST",
                destination.path,
                body=body,
                headers={**headers, "Host": destination.host_header},
            )
            response = connection.getresponse()
            raw = response.read(MAX_READ_BYTES)
            return PostResult(
                status_code=response.status,
                duration_ms=_ms_since(started),
                response_excerpt=raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS],
                location=response.getheader("Location", "") or "",
            )
        except TimeoutError:
            # A slow receiver may have got the request: trying the next address would
            # deliver twice. Stop here; the retry comes later with a fresh signature.
            return PostResult(
                None,
                _ms_since(started),
                error=stored(
                    gettext_noop("Timed out after %(seconds)s s."), seconds=f"{timeout:g}"
                ),
            )
        except ssl.SSLError as exc:
            last_error = f"TLS error: {exc.reason or exc}"
        except (OSError, http.client.HTTPException) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
    return PostResult(
        None, _ms_since(started), error=last_error[:500] or gettext_noop("Could not connect.")
    )


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
