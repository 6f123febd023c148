"""Citation sources: identifier well-formedness and domain rules under a source policy.

Identifiers are classified by ``tasks.answer_validation.parse_identifier`` (the one place
their shapes are defined); this module adds what that shape check leaves to quality
inspection: ISBN check digits, arXiv ids that cannot exist, hosts that are not public domain
names, and whether a domain is allowed.

Host names are split with the Public Suffix List through tldextract, using the snapshot
bundled with the package and never the network (no suffix-list URL, no cache directory), so
``news.bbc.co.uk`` belongs to ``bbc.co.uk`` and ``moe.gov.cn`` lies under ``gov.cn``. Nothing
here fetches a URL.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final
from urllib.parse import unquote, urlsplit

import tldextract

from quality.checks.messages import _, _translate
from tasks.answer_validation import Identifier, parse_identifier


def public_suffix_extractor() -> tldextract.TLDExtract:
    """A tldextract splitter on the Public Suffix List snapshot bundled with the package.

    No suffix-list URLs, so it never fetches the list; no cache directory, so it never writes
    one. The snapshot ages with the installed tldextract version, which upgrades refresh.
    """
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


_EXTRACT: Final = public_suffix_extractor()

_LABEL_RE: Final = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_ISBN_DIGITS_RE: Final = re.compile(r"[\dX]", re.IGNORECASE)
_NEW_ARXIV_RE: Final = re.compile(r"(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<number>\d{4,5})")
_OLD_ARXIV_RE: Final = re.compile(r"(?P<archive>[a-z-]+)(?:\.[a-z]{2})?/(?P<yy>\d{2})\d{5}")
# The archives of old-style (pre-April 2007) arXiv identifiers.
# fmt: off
_OLD_ARCHIVES: Final = frozenset((
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn",
    "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex",
    "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th",
    "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph", "solv-int", "supr-con",
))
# fmt: on
DOI_HOST: Final = "doi.org"
ARXIV_HOST: Final = "arxiv.org"
# Hosts whose links carry an identifier in their path: such a link is only as good as the
# identifier inside it, so it is judged as that identifier, not as "a URL on doi.org".
_RESOLVERS: Final = {
    "doi.org": "doi",
    "www.doi.org": "doi",
    "dx.doi.org": "doi",
    "arxiv.org": "arxiv",
    "www.arxiv.org": "arxiv",
    "export.arxiv.org": "arxiv",
    "hdl.handle.net": "handle",
}
_ARXIV_PAGES: Final = frozenset(("abs", "pdf", "html", "format"))
_HANDLE_RE: Final = re.compile(r"\d+(?:\.\d+)*/\S+")


def isbn_checksum_ok(digits: str) -> bool:
    """ISBN-10 (weights 10..1, mod 11, X = 10) or ISBN-13 (weights 1,3, mod 10) check digit."""
    digits = digits.upper()
    if len(digits) == 10:
        if not digits[:9].isdigit() or not (digits[9].isdigit() or digits[9] == "X"):
            return False
        values = [int(c) for c in digits[:9]] + [10 if digits[9] == "X" else int(digits[9])]
        return (
            sum(value * weight for value, weight in zip(values, range(10, 0, -1), strict=True)) % 11
            == 0
        )
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


def arxiv_problem(arxiv_id: str) -> str | None:
    """Why an arXiv id (as canonicalised by parse_identifier, without ``arxiv:``) cannot exist."""
    new = _NEW_ARXIV_RE.fullmatch(arxiv_id)
    if new:
        yymm = int(new["yy"] + new["mm"])
        if yymm < 704:
            return "new-style arXiv ids start in April 2007 (0704)"
        if yymm >= 1501 and len(new["number"]) != 5:
            return "arXiv ids since January 2015 have a five-digit number"
        if yymm < 1501 and len(new["number"]) != 4:
            return "arXiv ids before 2015 have a four-digit number"
        return None
    old = _OLD_ARXIV_RE.fullmatch(arxiv_id)
    if old:
        if old["archive"] not in _OLD_ARCHIVES:
            return f'"{old["archive"]}" is not an arXiv archive'
        yy = int(old["yy"])
        if 8 <= yy <= 90:
            return "old-style arXiv ids run from 1991 to March 2007"
    return None


@dataclass(frozen=True, slots=True)
class Host:
    name: str  # lower-case ASCII (IDNA) form
    registrable: str  # e.g. "bbc.co.uk", "" when the host is only a public suffix
    suffix: str  # e.g. "co.uk", "" when not under a known public suffix
    is_ip: bool


def ascii_host(name: str) -> str | None:
    """The lower-case IDNA form of a host name, or None if it cannot be one."""
    name = name.strip().rstrip(".").lower()
    try:
        encoded = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if not encoded or len(encoded) > 253:
        return None
    return encoded


@lru_cache(maxsize=4096)
def describe_host(name: str) -> Host | None:
    """Split a host name with public-suffix rules (offline); None if it is not a host name."""
    try:
        ipaddress.ip_address(name.strip("[]"))
        return Host(name=name, registrable="", suffix="", is_ip=True)
    except ValueError:
        pass
    encoded = ascii_host(name)
    if encoded is None or not all(_LABEL_RE.fullmatch(label) for label in encoded.split(".")):
        return None
    parts = _EXTRACT(encoded)
    return Host(
        name=encoded,
        registrable=parts.top_domain_under_public_suffix,
        suffix=parts.suffix,
        is_ip=False,
    )


def domain_entry_problem(entry: str) -> str | None:
    """Why a source-policy entry is not a domain or public suffix, or None if it is one.

    Entries are a domain ("nature.com", "www.who.int") or a public suffix (".gov", "edu.cn",
    "gov.hk"); a leading dot is optional. A URL, a path, a port, a wildcard in the middle or a
    name under no known public suffix ("intranet", "example.notatld") is refused.
    """
    value = entry.strip()
    if not value:
        return _translate(_("Must not be empty."))
    if "://" in value or "/" in value or "@" in value or ":" in value:
        return _translate(
            _('"%(entry)s" must be a domain such as nature.com or .gov, not a URL.')
        ) % {"entry": entry}
    if any(char.isspace() for char in value) or "*" in value.lstrip("*."):
        return _translate(_('"%(entry)s" is not a domain name.')) % {"entry": entry}
    host = describe_host(_entry_name(value))
    if host is None:
        return _translate(_('"%(entry)s" is not a domain name.')) % {"entry": entry}
    if host.is_ip:
        return _translate(_('"%(entry)s" is an IP address; give a domain name.')) % {"entry": entry}
    if not host.suffix:
        return _translate(
            _('"%(entry)s" is not under a known public suffix (such as .com, .gov or .edu.cn).')
        ) % {"entry": entry}
    return None


def _entry_name(entry: str) -> str:
    return entry.strip().lower().removeprefix("*").lstrip(".")


@lru_cache(maxsize=256)
def policy_labels(entries: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Entries as label tuples (IDNA form, right to left) for suffix matching."""
    labels = []
    for entry in entries:
        encoded = ascii_host(_entry_name(entry))
        if encoded:
            labels.append(tuple(reversed(encoded.split("."))))
    return tuple(labels)


def matching_entry(host: str, entries: tuple[str, ...]) -> str | None:
    """The first entry ``host`` equals or lies under, compared label by label.

    "gov.cn" matches "www.moe.gov.cn" but not "notgov.cn"; ".gov" never matches
    "nist.gov.example.com".
    """
    host_labels = tuple(reversed(host.split(".")))
    for entry, labels in zip(entries, policy_labels(entries), strict=False):
        if host_labels[: len(labels)] == labels:
            return entry
    return None


@dataclass(frozen=True, slots=True)
class Source:
    """A citation identifier as the policy sees it."""

    identifier: Identifier
    kind: str  # "doi" | "arxiv" | "isbn" | "url"
    host: str  # the host the source lives on (doi.org for a DOI, arxiv.org for arXiv)


def classify(text: str) -> Source | None:
    parsed = parse_identifier(text)
    if parsed is None:
        return None
    kind = parsed.kind
    if parsed.canonical.startswith("arxiv:"):
        kind = "arxiv"  # an arxiv.org/abs/... URL is the arXiv paper
    if kind == "doi":
        host = DOI_HOST
    elif kind == "arxiv":
        host = ARXIV_HOST
    elif kind == "isbn":
        host = ""
    else:
        host = (urlsplit(text.strip()).hostname or "").lower()
    return Source(identifier=parsed, kind=kind, host=host)


def resolver_problem(url: str) -> tuple[str, dict[str, str]] | None:
    """Why the identifier inside a resolver link (doi.org/..., arxiv.org/abs/...,
    hdl.handle.net/...) cannot be one, as a message code under ``citation_policy.`` and its
    params; None when the link is no resolver link or its identifier is well formed.

    A DOI link with no suffix, an arXiv link whose id has a letter O for a zero or lost its
    dot, a handle without prefix/suffix: each would otherwise pass as a URL on an allowed
    host. Nothing is fetched."""
    parts = urlsplit(url.strip())
    resolver = _RESOLVERS.get((parts.hostname or "").lower())
    if resolver is None:
        return None
    path = unquote(parts.path).strip("/")
    if resolver == "doi":
        parsed = parse_identifier(path)
        return None if parsed is not None and parsed.kind == "doi" else ("doi_malformed", {})
    if resolver == "handle":
        return None if _HANDLE_RE.fullmatch(path) else ("handle_malformed", {})
    page, _, rest = path.partition("/")
    if page.lower() not in _ARXIV_PAGES:
        return None  # listings, help pages: a URL like any other
    parsed = parse_identifier("arxiv:" + rest.removesuffix(".pdf").strip("/"))
    if parsed is None or parsed.kind != "arxiv":
        return "arxiv_unparsable", {}
    detail = arxiv_problem(parsed.canonical.removeprefix("arxiv:"))
    return ("arxiv_malformed", {"detail": detail}) if detail else None


def isbn_digits(canonical: str) -> str:
    return "".join(_ISBN_DIGITS_RE.findall(canonical.removeprefix("isbn:")))
