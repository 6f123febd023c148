"""The one catalogue of quality checks, and the two entry points callers use.

A project configures checks by name: ``{"near_duplicate": {"warn_similarity": 0.6}, ...}``.
:func:`validate_config` vets one check's settings when the project is saved;
:func:`run_check` runs a check on one submission. What a failure leads to (a review, a hold,
a rejection) is decided by the caller, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from quality.checks import (
    agreement_outlier,
    ai_similarity,
    citation_policy,
    configuration,
    gold,
    near_duplicate,
    schema_rules,
    straight_lining,
    telemetry,
)
from quality.checks.configuration import ConfigError, Errors
from quality.checks.findings import CheckInput, Finding
from quality.checks.messages import _  # marks the titles for the catalogs

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class CheckSpec(Generic[C]):
    """A registered check: its name, a title for people, the function and its settings type."""

    name: str
    title: str
    run: Callable[[CheckInput, C], list[Finding]]
    config_type: type[C]
    config_defaults: Mapping[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        defaults = MappingProxyType(configuration.defaults(self.config_type))
        object.__setattr__(self, "config_defaults", defaults)

    def validate(self, config: Any) -> Errors:
        return configuration.validate(self.config_type, config)

    def build_config(self, config: Any = None) -> C:
        """Typed settings (defaults for what is missing); raise ConfigError when invalid."""
        return configuration.build(self.config_type, config)


def _spec(name: str, title: str, module: Any, config_type: type) -> CheckSpec:
    return CheckSpec(name=name, title=title, run=module.run, config_type=config_type)


CATALOGUE: Mapping[str, CheckSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            _spec(
                "schema_rules",
                _("Answer fits its template"),
                schema_rules,
                schema_rules.SchemaRulesConfig,
            ),
            _spec(
                "citation_policy",
                _("Sources are well formed and allowed"),
                citation_policy,
                citation_policy.CitationPolicyConfig,
            ),
            _spec(
                "near_duplicate",
                _("Not a near-copy of another answer"),
                near_duplicate,
                near_duplicate.NearDuplicateConfig,
            ),
            _spec(
                "ai_similarity",
                _("Not close to an AI model's answer"),
                ai_similarity,
                ai_similarity.AiSimilarityConfig,
            ),
            _spec(
                "telemetry", _("Written and listened to here"), telemetry, telemetry.TelemetryConfig
            ),
            _spec("gold", _("Gold task answered correctly"), gold, gold.GoldConfig),
            _spec(
                "straight_lining",
                _("Ratings are not all the same"),
                straight_lining,
                straight_lining.StraightLiningConfig,
            ),
            _spec(
                "agreement_outlier",
                _("Agrees with the other trainers"),
                agreement_outlier,
                agreement_outlier.AgreementOutlierConfig,
            ),
        )
    }
)


def _unknown(name: Any) -> Errors:
    return {"name": [f'Unknown check "{name}". Known checks: {", ".join(CATALOGUE)}.']}


def validate_config(name: str, config: Any) -> Errors:
    """Every problem with the settings of check ``name``, keyed by field; ``{}`` when valid.

    Unknown check names are reported under "name", unknown settings under their own key,
    list entries as ``field[i]``.
    """
    spec = CATALOGUE.get(name) if isinstance(name, str) else None
    if spec is None:
        return _unknown(name)
    return spec.validate(config)


def run_check(name: str, data: CheckInput, config: Any = None) -> list[Finding]:
    """Run check ``name`` on one submission with the project's settings for it.

    ``config`` is a settings mapping (None for the defaults) or the check's settings object
    from ``CATALOGUE[name].build_config`` (build it once per project when running many).
    Raises ConfigError for an unknown check or invalid settings. Exceptions raised by the
    check itself propagate: the caller records them as a check error, not as a pass.
    """
    spec = CATALOGUE.get(name)
    if spec is None:
        raise ConfigError(_unknown(name))
    return spec.run(data, spec.build_config(config))
