"""Each project's check settings: the catalogue's defaults with the project's own over them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from annotation_platform.errors import DomainError
from quality.models import CheckConfig, OnFail
from tasks.models import Project


@dataclass(frozen=True)
class EffectiveCheck:
    name: str
    enabled: bool
    config: dict[str, Any]
    on_fail: str


def check_configs_for(project: Project) -> list[EffectiveCheck]:
    """Every catalogue check with the project's settings over the defaults.

    A project that configured nothing runs every check with its defaults and flags
    failures for review; a reason to look, never an automatic verdict.
    """
    from quality.checks import CATALOGUE

    saved = {c.check_name: c for c in CheckConfig.objects.filter(project=project)}
    effective = []
    for name, spec in CATALOGUE.items():
        row = saved.get(name)
        config = {**spec.config_defaults, **(row.config if row else {})}
        effective.append(
            EffectiveCheck(
                name=name,
                enabled=row.enabled if row else True,
                config=config,
                on_fail=row.on_fail if row else OnFail.FLAG,
            )
        )
    return effective


@transaction.atomic
def check_config_save(
    *, project: Project, check_name: str, enabled: bool, config: Any, on_fail: str
) -> CheckConfig:
    """Configure one check; refuse unknown names, keys and out-of-range thresholds."""
    from quality.checks import CATALOGUE, validate_config

    if check_name not in CATALOGUE:
        raise DomainError(
            gettext("There is no check called %(name)s.") % {"name": repr(check_name)},
            fields={
                "check": [gettext("Choose one of: %(names)s.") % {"names": ", ".join(CATALOGUE)}]
            },
        )
    if on_fail not in OnFail.values:
        raise DomainError(
            gettext("Unknown failure action."),
            fields={
                "on_fail": [gettext("One of: %(values)s.") % {"values": ", ".join(OnFail.values)}]
            },
        )
    errors = validate_config(check_name, config if config is not None else {})
    if errors:
        raise DomainError(
            gettext("The check's settings are out of range."),
            fields={f"config.{key}" if key else "config": msgs for key, msgs in errors.items()},
        )
    row, _ = CheckConfig.objects.update_or_create(
        project=project,
        check_name=check_name,
        defaults={"enabled": bool(enabled), "config": config or {}, "on_fail": on_fail},
    )
    return row
