"""The per-project metrics settings: pay rate, MOS system field, rating level."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from annotation_platform.errors import DomainError
from metrics.models import MetricsSettings, RatingLevel
from tasks.models import Project
from tasks.template_definition import FIELD_PATH_RE

CURRENCY_RE = re.compile(r"[A-Z]{3}")
MAX_PAY = Decimal("99999999.99")


def _pay(value: Any, errors: dict[str, list[str]]) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        errors["pay_per_accepted_task"] = [gettext("Must be an amount such as 2.50, or empty.")]
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors["pay_per_accepted_task"] = [gettext("Must be an amount such as 2.50, or empty.")]
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_PAY:
        errors["pay_per_accepted_task"] = [
            gettext("Must be between 0 and %(max)s.") % {"max": MAX_PAY}
        ]
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors["pay_per_accepted_task"] = [gettext("At most two decimal places.")]
        return None
    return amount


@transaction.atomic
def metrics_settings_save(
    *,
    project: Project,
    by,
    pay_per_accepted_task: Any,
    currency: str,
    mos_system_field: str,
    rating_level: str,
) -> MetricsSettings:
    """Save the project's metrics settings; every bad value is named, nothing is half-saved.

    The snapshot becomes stale (MOS grouping, earnings and alpha levels depend on these)
    and a refresh is sent.
    """
    from metrics.services.snapshots import metrics_refresh_request

    errors: dict[str, list[str]] = {}
    amount = _pay(pay_per_accepted_task, errors)
    currency = (currency or "").strip().upper()
    if amount is not None and not currency:
        errors["currency"] = [gettext("Name the currency of the pay rate (ISO 4217, e.g. EUR).")]
    elif currency and not CURRENCY_RE.fullmatch(currency):
        errors["currency"] = [gettext("Three letters (ISO 4217), e.g. EUR or USD.")]
    field = (mos_system_field or "").strip()
    if field and (len(field) > 200 or not FIELD_PATH_RE.fullmatch(field)):
        errors["mos_system_field"] = [
            gettext(
                "A dotted path into the task data such as meta.system (letters, digits, _ and -)."
            )
        ]
    if rating_level not in RatingLevel.values:
        errors["rating_level"] = [
            gettext("One of: %(values)s.") % {"values": ", ".join(RatingLevel.values)}
        ]
    if errors:
        raise DomainError(gettext("Some metrics settings need attention."), fields=errors)
    saved, _ = MetricsSettings.objects.update_or_create(
        project=project,
        defaults={
            "pay_per_accepted_task": amount,
            "currency": currency,
            "mos_system_field": field,
            "rating_level": rating_level,
            "updated_by": by,
        },
    )
    metrics_refresh_request(project=project, force=True)
    return saved
