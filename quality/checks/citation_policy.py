"""citation_policy: every cited source is well formed and allowed by the project's policy.

Per citation: the identifier is a URL, DOI, ISBN (with a correct check digit) or arXiv id
that can exist, and a resolver link (doi.org, arxiv.org/abs, hdl.handle.net) carries a
well-formed identifier; a URL's host is a public domain name, not on the deny list and, when the
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
from quality.checks.findings import CheckInput, Finding, failed, not_applicable, passed, warned
from quality.checks.messages import _, _translate  # _: marked for the catalogs

_MAX_LISTED = 10


@dataclass(frozen=True, slots=True)
class CitationPolicyConfig:
    allow_domains: tuple[str, ...] = setting(
        (),
        label=_("Accepted domains"),
        unit=_("one per line"),
        item_check=sources.domain_entry_problem,
        help=_(
            "Domains or public suffixes URLs must lie under (e.g. .gov, edu.cn, nature.com); "
            "empty allows any domain not denied."
        ),
    )
    deny_domains: tuple[str, ...] = setting(
        (),
        label=_("Refused domains"),
        unit=_("one per line"),
        item_check=sources.domain_entry_problem,
        help=_("Domains or suffixes never accepted; deny wins over allow."),
    )
    scholarly_ids_allowed: bool = setting(
        True,
        label=_("DOIs, ISBNs and arXiv ids always accepted"),
        help=_("DOIs, ISBNs and arXiv ids count as scholarly sources and pass the allow list."),
    )
    max_claims_per_source: int = setting(
        3,
        label=_("Criteria one source may always back"),
        unit=_("criteria"),
        minimum=1,
        maximum=500,
        help=_(
            "How many unrelated rubric criteria one source may always back; more are "
            "flagged only when they are also a large share of the criteria (next setting)."
        ),
    )
    max_share_of_criteria: float = setting(
        0.5,
        label=_("Share of the criteria that makes a source overused"),
        unit=_("share, 0 to 1"),
        above=0.0,
        maximum=1.0,
        help=_(
            "A source is flagged when the unrelated criteria it backs reach this share of "
            "the rubric's cited criteria: long rubrics over a few sources reuse each of them."
        ),
    )
    claim_similarity: float = setting(
        0.25,
        label=_("Wording overlap that makes two criteria one claim"),
        unit=_("Jaccard, 0 to 1"),
        minimum=0.0,
        maximum=1.0,
        help=_(
            "Criteria citing the same source whose wording overlaps at least this much "
            "(Jaccard of content terms) count as one claim."
        ),
    )

    def problems(self) -> Errors:
        both = set(map(_entry_key, self.allow_domains)) & set(map(_entry_key, self.deny_domains))
        if both:
            listed = ", ".join(sorted(both))
            return {
                "deny_domains": [
                    _translate(_("Also on the allow list: %(listed)s.")) % {"listed": listed}
                ]
            }
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
                    "citation_policy.ok",
                    question["id"],
                    params={"count": len(value)},
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
            findings.append(passed("citation_policy.spread_ok", question["id"]))
    return findings or [not_applicable("citation_policy.nothing_cited")]


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
                    "citation_policy.source",
                    question_id,
                    params={"item": number, "identifier": _short(identifier), "problem": problem},
                    item=number,
                    identifier=identifier[:500],
                    **evidence,
                )
            )
    return findings


def _problem(code: str, **params: Any) -> dict[str, Any]:
    return {"code": f"citation_policy.{code}", "params": params}


def source_problem(
    identifier: str, config: CitationPolicyConfig
) -> tuple[dict[str, Any] | None, dict]:
    """Why one identifier is not acceptable, as a message (``code`` and ``params``, None
    if it is acceptable), and evidence for reviewers."""
    source = sources.classify(identifier)
    if source is None:
        return _problem(_unparsable(identifier)), {"reason": "malformed"}
    evidence: dict[str, Any] = {
        "kind": source.kind,
        "canonical": source.identifier.canonical[:500],
    }
    if source.kind == "isbn":
        if not sources.isbn_checksum_ok(sources.isbn_digits(source.identifier.canonical)):
            return _problem("isbn_checksum"), {**evidence, "reason": "isbn_checksum"}
        if config.scholarly_ids_allowed:
            return None, evidence
        return _problem("isbn_not_allowed"), {**evidence, "reason": "not_allowed"}
    if source.kind == "arxiv":
        detail = sources.arxiv_problem(source.identifier.canonical.removeprefix("arxiv:"))
        if detail:
            return _problem("arxiv_malformed", detail=detail), {**evidence, "reason": "malformed"}
    if source.kind == "url":
        inside = sources.resolver_problem(identifier)
        if inside:
            return _problem(inside[0], **inside[1]), {**evidence, "reason": "malformed"}
    host = sources.describe_host(source.host)
    if host is None:
        return _problem("no_host"), {**evidence, "reason": "malformed"}
    evidence["host"] = host.name
    if host.is_ip:
        return _problem("ip_address"), {**evidence, "reason": "ip_address"}
    if not host.suffix or not host.registrable:
        return _problem("bad_domain", host=host.name), {**evidence, "reason": "bad_domain"}
    evidence["domain"] = host.registrable
    denied = sources.matching_entry(host.name, config.deny_domains)
    if denied:
        return _problem("denied", domain=host.registrable), {
            **evidence,
            "reason": "denied",
            "rule": denied,
        }
    scholarly = source.kind in ("doi", "arxiv") and config.scholarly_ids_allowed
    if config.allow_domains and not scholarly:
        allowed = sources.matching_entry(host.name, config.allow_domains)
        if not allowed:
            return _problem("not_allowed", domain=host.registrable), {
                **evidence,
                "reason": "not_allowed",
            }
    return None, evidence


def _unparsable(identifier: str) -> str:
    value = identifier.strip().lower()
    if value.startswith(("10.", "doi:", "https://doi.org", "http://doi.org", "https://dx.doi")):
        return "doi_malformed"
    if value.startswith(("arxiv", "https://arxiv.org", "http://arxiv.org")):
        return "arxiv_unparsable"
    if value.startswith("isbn"):
        return "isbn_unparsable"
    return "unparsable"


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
    criteria = sum(len(items) for items in groups.values())
    # A rubric of 24 criteria over 5 sources cites each about 5 times; a source is cited
    # "for everything" only when it backs a large share of the criteria as well as more
    # than a handful, so the rule scales with the rubric and its sources.
    floor = max(config.max_claims_per_source + 1, config.max_share_of_criteria * criteria)
    for key, items in groups.items():
        if len(items) < floor:
            continue
        terms = [similarity.content_terms(claim) for _, claim in items]
        claims = _distinct_claims(terms, config.claim_similarity)
        if len(claims) >= floor:
            numbers = [number for number, _ in items]
            findings.append(
                warned(
                    "citation_policy.overused_source",
                    question_id,
                    params={
                        "source": _short(labels[key]),
                        "claims": len(claims),
                        "criteria": criteria,
                    },
                    source=key,
                    items=numbers[: _MAX_LISTED * 5],
                    distinct_claims=len(claims),
                    limit=config.max_claims_per_source,
                    cited_criteria=criteria,
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
