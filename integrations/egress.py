"""Where webhooks may send: the SSRF guard, applied when a URL is saved and again, after DNS
resolution, at every delivery.

A webhook URL is typed by a project admin, but the request leaves from our servers, inside
our network: without this guard it could reach the cloud metadata service, the database or
an internal admin page. The rules:

- http or https only, no user:password in the URL, a host name or a canonical IP address
  (``http://2130706433/``, ``0x7f.1`` and ``0177.0.0.1`` are refused outright: they are how
  filters get bypassed, and no real service needs them);
- every address the host resolves to must be public: no loopback, private, link-local,
  shared (CGNAT), multicast, unspecified or reserved ranges, in IPv4 or IPv6, including
  IPv4 hidden inside IPv6 (``::ffff:127.0.0.1``, 6to4, NAT64, Teredo);
- cloud metadata addresses (169.254.169.254 and its kin) are refused whatever the settings.

The site admin may open private networks (``WEBHOOK_ALLOW_PRIVATE_NETWORKS = True``, e.g.
for receivers on the same LAN, or tests against a local server) or name trusted hosts and
networks (``WEBHOOK_ALLOWED_HOSTS = ["hooks.internal", "10.20.0.0/16"]``).

Delivery connects to an address checked here, never re-resolving the name (DNS rebinding),
and does not follow redirects (integrations.transport).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

from annotation_platform.errors import DomainError
from annotation_platform.stored_text import shown, stored

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Instance metadata services: refused even when private networks are allowed.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean…
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS DNS
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS over IPv6
    )
)
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "instance-data"})
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
# Names that always mean this machine or the local network, refused without asking DNS.
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")
_NUMERIC_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class DestinationRefused(DomainError):
    """The URL or an address it resolves to may not receive webhooks."""

    code = "webhook_url_refused"

    def __init__(self, detail: str) -> None:
        # ``detail`` is a stored text (annotation_platform.stored_text): shown in the active
        # language here, kept as it is in ``stored_detail`` for a delivery's error, read later.
        self.stored_detail = detail
        super().__init__(shown(detail), fields={"url": [shown(detail)]})


class HostUnresolved(DestinationRefused):
    """The host has no address now: no such name, or DNS did not answer (``temporary``).

    Refused when a webhook is saved (a typo must not wait for the first delivery to show);
    at delivery time it is a network failure like any other, and retried."""

    code = "webhook_host_unresolved"

    def __init__(self, detail: str, *, temporary: bool = False) -> None:
        super().__init__(detail)
        self.temporary = temporary


# getaddrinfo's answers that mean "ask again later", not "no such name".
_TEMPORARY_DNS_ERRORS = frozenset(
    code
    for code in (getattr(socket, "EAI_AGAIN", None), getattr(socket, "EAI_SYSTEM", None))
    if code is not None
)


def _unresolved(host: str, exc: Exception) -> HostUnresolved:
    if isinstance(exc, socket.gaierror) and exc.errno in _TEMPORARY_DNS_ERRORS:
        return HostUnresolved(
            stored(
                gettext_noop(
                    "The host “%(host)s” could not be resolved just now (DNS did not answer: "
                    "%(error)s). Try again in a moment."
                ),
                host=host,
                error=str(exc),
            ),
            temporary=True,
        )
    return HostUnresolved(
        stored(
            gettext_noop(
                "The host “%(host)s” does not resolve: DNS has no address for it. Check the "
                "spelling, or create its DNS record before adding the webhook."
            ),
            host=host,
        )
    )


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # lower-case name, or the address itself, without brackets
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))


def _allowed_entries() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names: set[str] = set()
    networks = []
    for entry in getattr(settings, "WEBHOOK_ALLOWED_HOSTS", ()) or ():
        entry = str(entry).strip().lower()
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            if entry:
                names.add(entry.rstrip("."))
    return names, networks


def _inet_aton_part(part: str) -> int:
    if part.lower().startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """What inet_aton() would make of ``host`` (``2130706433``, ``0x7f.1``, ``0177.0.0.1``),
    or None when it is not such a spelling."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(p) for p in parts):
        return None
    try:
        values = [_inet_aton_part(p) for p in parts]
    except ValueError:
        return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    number = 0
    for v in head:
        number = number * 256 + v
    number = number * 256 ** (5 - len(values)) + last
    return ipaddress.IPv4Address(number)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64, Teredo)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # NAT64, or ::a.b.c.d
    return None


def _site_local(address: IPAddress) -> bool:
    # fec0::/10 is deprecated, yet Python counts it as global.
    return bool(getattr(address, "is_site_local", False))


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not receive webhooks, or None when it may."""
    inner = embedded_ipv4(address)
    if inner is not None:
        refusal = address_refusal(inner)
        if not refusal:
            return None
        return stored(
            gettext_noop("%(reason)s (inside %(address)s)"), reason=refusal, address=str(address)
        )
    if address in METADATA_ADDRESSES:
        return stored(gettext_noop("%(address)s is a cloud metadata address"), address=str(address))
    if address.is_unspecified:
        return stored(gettext_noop("%(address)s is the unspecified address"), address=str(address))
    if address.is_multicast:
        return stored(gettext_noop("%(address)s is a multicast address"), address=str(address))
    _, networks = _allowed_entries()
    if any(address in network for network in networks):
        return None
    if address.is_global and not address.is_reserved and not _site_local(address):
        return None
    local = address.is_private or address.is_loopback or address.is_link_local
    if _allow_private() and (local or address in SHARED_ADDRESS_SPACE):
        return None
    if address.is_loopback:
        message = gettext_noop("%(address)s is a loopback address")
    elif address.is_link_local:
        message = gettext_noop("%(address)s is a link-local address")
    elif address.is_private or address in SHARED_ADDRESS_SPACE:
        message = gettext_noop("%(address)s is a private address")
    else:
        message = gettext_noop("%(address)s is a reserved address")
    return stored(message, address=str(address))


def parse_webhook_url(url: str) -> Destination:
    """Check the URL's form (no DNS); refuse it with a message naming the problem."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(
            stored(gettext_noop("Not a valid URL: %(error)s."), error=str(exc))
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise DestinationRefused(gettext_noop("Use an http:// or https:// URL."))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise DestinationRefused(
            gettext_noop(
                "Credentials in the URL are not allowed; receivers verify the signature instead."
            )
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise DestinationRefused(gettext_noop("The URL needs a host name."))
    if "%" in host:
        raise DestinationRefused(gettext_noop("IPv6 zone ids are not allowed."))
    names, _ = _allowed_entries()
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None:
        legacy = _legacy_ipv4(host)
        if legacy is not None:
            raise DestinationRefused(
                stored(
                    gettext_noop(
                        "“%(host)s” is a non-standard spelling of the IP address %(address)s; "
                        "write addresses in dotted decimal, or use a host name."
                    ),
                    host=host,
                    address=str(legacy),
                )
            )
        if host not in names and (
            host == "localhost" or host.endswith(LOCAL_SUFFIXES) or host in METADATA_HOSTS
        ):
            raise DestinationRefused(
                stored(gettext_noop("“%(host)s” is a local or internal host name."), host=host)
            )
    else:
        refusal = address_refusal(literal)
        if refusal and host not in names:
            raise DestinationRefused(
                stored(gettext_noop("Webhooks cannot be sent here: %(reason)s."), reason=refusal)
            )
        host = str(literal)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Destination(
        scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path
    )


def resolve_checked(destination: Destination) -> list[str]:
    """Every address ``destination``'s host resolves to, once all have passed the guard.

    One refused address refuses the host: a name that answers both public and private
    addresses is how DNS rebinding attacks start.
    """
    try:
        literal = ipaddress.ip_address(destination.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            infos = socket.getaddrinfo(destination.host, destination.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise _unresolved(destination.host, exc) from exc
        addresses = []
        for info in infos:
            text = str(info[4][0]).split("%", 1)[0]
            address = ipaddress.ip_address(text)
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise _unresolved(destination.host, OSError("no address"))
    names, _ = _allowed_entries()
    if destination.host not in names:
        for address in addresses:
            refusal = address_refusal(address)
            if refusal:
                raise DestinationRefused(
                    stored(
                        gettext_noop("Webhooks cannot be sent to “%(host)s”: %(reason)s."),
                        host=destination.host,
                        reason=refusal,
                    )
                )
    else:
        for address in addresses:
            if address in METADATA_ADDRESSES:
                raise DestinationRefused(
                    stored(
                        gettext_noop("“%(host)s” resolves to a metadata address."),
                        host=destination.host,
                    )
                )
    return [str(address) for address in addresses]


def webhook_url_check(url: str, *, resolve: bool = True) -> Destination:
    """The save-time check: the URL's form, and the addresses its name resolves to now.

    A name that does not resolve is refused (``HostUnresolved``, saying so, not "private
    address"): accepted, it would only fail at every delivery. Delivery resolves and checks
    again, since settings and DNS answers change.
    """
    destination = parse_webhook_url(url)
    if resolve:
        resolve_checked(destination)
    return destination
