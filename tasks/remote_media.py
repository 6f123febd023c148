"""Which remote hosts may serve images and audio shown in a project's pages.

A remote image in task data, guidelines or a rubric is a beacon: loading it tells its
owner who opened the page and when. So nothing remote loads unless the project lists its
host; everything else is shown as a link the reader may choose to open. The same list
extends the page's Content-Security-Policy (``img-src``/``media-src``), and the matching
rules here are CSP's own for a host source: ``example.com`` is that host only,
``*.example.com`` any of its subdomains but not ``example.com`` itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext

MAX_HOSTS = 50
MAX_HOST_LENGTH = 253
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


@dataclass(frozen=True)
class RemoteMedia:
    """A project's allowed remote hosts, already cleaned (see ``clean_remote_hosts``)."""

    hosts: tuple[str, ...] = ()

    def allows_host(self, host: str | None) -> bool:
        if not host:
            return False
        host = host.lower().rstrip(".")
        for allowed in self.hosts:
            if allowed.startswith("*."):
                if host.endswith(allowed[1:]) and len(host) > len(allowed) - 1:
                    return True
            elif host == allowed:
                return True
        return False

    def allows_url(self, url: str) -> bool:
        """An absolute http(s) URL on a listed host, on its scheme's default port (a CSP
        host source without a port allows no other)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or port is not None:
            return False
        return self.allows_host(parts.hostname)


NO_REMOTE_MEDIA = RemoteMedia()


def _host_problem(entry: str) -> str | None:
    """Why ``entry`` (stripped, lower-cased) is not a host name, or None if it is one."""
    if "://" in entry or entry.startswith("//"):
        return gettext("give the host name only, without https:// or another scheme")
    if any(char in entry for char in "/?#"):
        return gettext("give the host name only, without a path")
    if "@" in entry:
        return gettext("give the host name only, without a user name")
    if ":" in entry or entry.startswith("["):
        return gettext("ports and IPv6 addresses are not supported; give a host name")
    if not entry.isascii():
        return gettext("write an international domain name in its xn-- (punycode) form")
    if len(entry) > MAX_HOST_LENGTH:
        return gettext("a host name has at most %(count)s characters") % {"count": MAX_HOST_LENGTH}
    name = entry[2:] if entry.startswith("*.") else entry
    if "*" in name:
        return gettext("the only wildcard allowed is a leading *. (as in *.example.com)")
    if not _HOST_RE.fullmatch(name):
        return gettext(
            "not a host name (letters, digits, hyphens and dots, like images.example.com)"
        )
    if entry.startswith("*.") and "." not in name:
        return gettext(
            "a wildcard needs a domain of two labels or more after it, like *.example.com"
        )
    return None


def clean_remote_hosts(entries: Iterable[object]) -> tuple[list[str], list[str]]:
    """The hosts of ``entries`` (trimmed, lower-cased, duplicates dropped, order kept) and
    one message per refused entry, naming its position and value."""
    hosts: list[str] = []
    errors: list[str] = []
    for position, raw in enumerate(entries, start=1):
        if not isinstance(raw, str):
            errors.append(
                gettext("Entry %(position)s: must be a host name (text).") % {"position": position}
            )
            continue
        entry = raw.strip().lower().rstrip(".")
        if not entry:
            errors.append(gettext("Entry %(position)s: is empty.") % {"position": position})
            continue
        problem = _host_problem(entry)
        if problem:
            errors.append(
                gettext("Entry %(position)s (%(value)s): %(problem)s.")
                % {"position": position, "value": repr(raw.strip()[:100]), "problem": problem}
            )
        elif entry not in hosts:
            hosts.append(entry)
    if len(hosts) > MAX_HOSTS:
        errors.append(
            gettext("At most %(most)s hosts; %(count)s given.")
            % {"most": MAX_HOSTS, "count": len(hosts)}
        )
    return hosts, errors
