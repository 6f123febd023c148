"""citation_policy: every cited source is well formed and allowed by the project's policy.

Per citation: the identifier is a URL, DOI, ISBN (with a correct check digit) or arXiv id
that can exist; a URL's host is a public domain name, not on the deny list and, when the
project has an allow list, on it. DOIs, ISBNs and arXiv ids are scholarly sources and pass
the allow list unless the project turns that off (a DOI is judged as doi.org and an arXiv id
as arxiv.org, so denying those hosts still works). Per rubric: one source backing many
unrelated criteria is flagged, since a source cited for everything supports nothing in
particular. No URL is ever fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quality.checks import similarity, sources
from quality.checks.answers import answered
from quality.checks.configuration import Errors, setting
from quality.checks.findings import CheckInput, Finding, failed, passed, warned

_MAX_LISTED = 10


@dataclass(frozen=True, slots=True)
class CitationPolicyConfig:
    allow_domains: tuple[str, ...] = setting(
        (),
        item_check=sources.domain_entry_problem,
        help="Domains or public suffixes URLs must lie under (e.g. .gov, edu.cn, nature.com); "
        "empty allows any domain not denied.",
    )
    deny_domains: tuple[str, ...] = setting(
        (),
        item_check=sources.domain_entry_problem,
        help="Domains or suffixes never accepted; deny wins over allow.",
    )
    scholarly_ids_allowed: bool = setting(
        True, help="DOIs, ISBNs and arXiv ids count as scholarly sources and pass the allow list."
    )
    max_claims_per_source: int = setting(
        3,
        minimum=1,
        maximum=500,
        help="How many unrelated rubric criteria one source may back before it is flagged.",
    )
    claim_similarity: float = setting(
        0.25,
        minimum=0.0,
        maximum=1.0,
        help="Criteria citing the same source whose wording overlaps at least this much "
        "(Jaccard of content terms) count as one claim.",
    )

    def problems(self) -> Errors:
        both = set(map(_entry_key, self.allow_domains)) & set(map(_entry_key, self.deny_domains))
        if both:
            listed = ", ".join(sorted(both))
            return {"deny_domains": [f"Also on the allow list: {listed}."]}
        return {}


def _entry_key(entry: str) -> str:
    return entry.strip().lower().removeprefix("*").lstrip(".")


def run(data: CheckInput, config: CitationPolicyConfig) -> list[Finding]:
    """One failure per citation that is malformed or not allowed; a warning per source that
    backs too many unrelated rubric criteria; one pass per question with nothing to report."""
    findings: list[Finding] = []
    for question, value in answered(data.definition, data.answer, ("citations",)):
        problems = _citation_problems(question["id"], value, config)
        findings.extend(problems)
        if not problems and isinstance(value, list):
            findings.append(
                passed(
                    f"All {len(value)} sources are well formed and allowed.",
                    question["id"],
                    checked=len(value),
                )
            )
    for question, value in answered(data.definition, data.answer, ("rubric_items",)):
        problems = _overused_sources(question["id"], value, config)
        findings.extend(problems)
        if (
            not problems
            and isinstance(value, list)
            and any(isinstance(item, Mapping) and item.get("citation") for item in value)
        ):
            findings.append(
                passed("No source is stretched over unrelated criteria.", question["id"])
            )
    return findings


def _citation_problems(question_id: str, value: Any, config: CitationPolicyConfig) -> list[Finding]:
    if not isinstance(value, list):
        return []
    findings = []
    for number, item in enumerate(value, start=1):
        identifier = item.get("identifier") if isinstance(item, Mapping) else None
        if not isinstance(identifier, str) or not identifier.strip():
            continue  # shape problems are schema_rules' to report
        problem, evidence = source_problem(identifier, config)
        if problem:
            findings.append(
                failed(
                    f"Source {number} ({_short(identifier)}): {problem}",
                    question_id,
                    item=number,
                    identifier=identifier[:500],
                    **evidence,
                )
            )
    return findings


def source_problem(identifier: str, config: CitationPolicyConfig) -> tuple[str | None, dict]:
    """Why one identifier is not acceptable (None if it is), and evidence for reviewers."""
    source = sources.classify(identifier)
    if source is None:
        return _unparsable(identifier), {"reason": "malformed"}
    evidence: dict[str, Any] = {
        "kind": source.kind,
        "canonical": source.identifier.canonical[:500],
    }
    if source.kind == "isbn":
        if not sources.isbn_checksum_ok(sources.isbn_digits(source.identifier.canonical)):
            return "the ISBN's check digit is wrong; it is probably mistyped.", {
                **evidence,
                "reason": "isbn_checksum",
            }
        if config.scholarly_ids_allowed:
            return None, evidence
        return "ISBNs are not accepted by this project's source policy.", {
            **evidence,
            "reason": "not_allowed",
        }
    if source.kind == "arxiv":
        problem = sources.arxiv_problem(source.identifier.canonical.removeprefix("arxiv:"))
        if problem:
            return f"no such arXiv id: {problem}.", {**evidence, "reason": "malformed"}
    host = sources.describe_host(source.host)
    if host is None:
        return "the address has no valid host name.", {**evidence, "reason": "malformed"}
    evidence["host"] = host.name
    if host.is_ip:
        return "the link points at an IP address, not an institution's domain.", {
            **evidence,
            "reason": "ip_address",
        }
    if not host.suffix or not host.registrable:
        return f'"{host.name}" is not a public domain name.', {**evidence, "reason": "bad_domain"}
    evidence["domain"] = host.registrable
    denied = sources.matching_entry(host.name, config.deny_domains)
    if denied:
        return f"{host.registrable} is not an accepted source for this project.", {
            **evidence,
            "reason": "denied",
            "rule": denied,
        }
    scholarly = source.kind in ("doi", "arxiv") and config.scholarly_ids_allowed
    if config.allow_domains and not scholarly:
        allowed = sources.matching_entry(host.name, config.allow_domains)
        if not allowed:
            return (
                f"{host.registrable} is not on this project's list of accepted sources "
                "(papers, official documents, institutional sites).",
                {**evidence, "reason": "not_allowed"},
            )
    return None, evidence


def _unparsable(identifier: str) -> str:
    value = identifier.strip().lower()
    if value.startswith(("10.", "doi:", "https://doi.org", "http://doi.org", "https://dx.doi")):
        return "this is not a well-formed DOI (expected 10.NNNN/suffix)."
    if value.startswith(("arxiv", "https://arxiv.org", "http://arxiv.org")):
        return "this is not a well-formed arXiv id (expected e.g. 2101.00001 or hep-th/9901001)."
    if value.startswith("isbn"):
        return "this is not a well-formed ISBN (10 or 13 digits)."
    return "this is not a URL, DOI, ISBN or arXiv id."


def _short(identifier: str) -> str:
    value = identifier.strip()
    return value if len(value) <= 80 else value[:77] + "..."


def _overused_sources(question_id: str, value: Any, config: CitationPolicyConfig) -> list[Finding]:
    if not isinstance(value, list):
        return []
    groups: dict[str, list[tuple[int, str]]] = {}
    labels: dict[str, str] = {}
    for number, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            continue
        citation = item.get("citation")
        if not isinstance(citation, str) or not citation.strip():
            continue
        parsed = sources.classify(citation)
        key = parsed.identifier.canonical if parsed else citation.strip().lower()
        labels.setdefault(key, citation.strip())
        claim = " ".join(
            text for text in (item.get("criterion"), item.get("rationale")) if isinstance(text, str)
        )
        groups.setdefault(key, []).append((number, claim))
    findings = []
    for key, items in groups.items():
        if len(items) <= config.max_claims_per_source:
            continue
        terms = [similarity.content_terms(claim) for _, claim in items]
        claims = _distinct_claims(terms, config.claim_similarity)
        if len(claims) > config.max_claims_per_source:
            numbers = [number for number, _ in items]
            findings.append(
                warned(
                    f"One source ({_short(labels[key])}) backs {len(claims)} unrelated "
                    f"criteria; cite the source that supports each claim.",
                    question_id,
                    source=key,
                    items=numbers[: _MAX_LISTED * 5],
                    distinct_claims=len(claims),
                    limit=config.max_claims_per_source,
                )
            )
    return findings


def _distinct_claims(items: list[frozenset[str]], threshold: float) -> list[list[frozenset[str]]]:
    """Single-link grouping: a criterion joins a claim if it overlaps any criterion in it."""
    claims: list[list[frozenset[str]]] = []
    for terms in items:
        for claim in claims:
            if any(similarity.jaccard(terms, member) >= threshold for member in claim):
                claim.append(terms)
                break
        else:
            claims.append([terms])
    return claims
