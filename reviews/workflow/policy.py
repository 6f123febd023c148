"""The review policy of a project: its defaults and the setters' changes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from annotation_platform.errors import DomainError
from reviews import permissions
from reviews.models import (
    MissingJudgments,
    ReviewPolicy,
    ScoringMethod,
)
from reviews.workflow._common import _log
from tasks.models import Project

# --- policy -------------------------------------------------------------------------------


def review_policy_for(project: Project) -> ReviewPolicy:
    """The project's policy, or the defaults (unsaved) when nobody has set one."""
    policy = ReviewPolicy.objects.filter(project=project).first()
    return policy or ReviewPolicy(project=project)


POLICY_FIELDS = (
    "clean_sample_rate",
    "full_review_first_n",
    "show_author_names",
    "lease_seconds",
    "scoring_method",
    "missing_judgments",
)


def _policy_state(policy: ReviewPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


@transaction.atomic
def review_policy_update(*, project: Project, by, **changes: Any) -> ReviewPolicy:
    """Change the project's review policy (setters and admins); every bad value is named."""
    if not permissions.can_edit_review_policy(by, project):
        raise PermissionDenied(gettext("Only question setters and admins set the review policy."))
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name == "clean_sample_rate":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                errors[name] = [
                    gettext("A share between 0 and 1 (0.2 reviews a fifth of clean work).")
                ]
        elif name == "full_review_first_n":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
                errors[name] = [gettext("A whole number from 0 to 100000.")]
        elif name == "show_author_names":
            if not isinstance(value, bool):
                errors[name] = [gettext("true or false.")]
        elif name == "lease_seconds":
            if isinstance(value, bool) or not isinstance(value, int) or not 60 <= value <= 86_400:
                errors[name] = [gettext("A whole number of seconds from 60 to 86400.")]
        elif name == "scoring_method":
            if value not in ScoringMethod.values:
                errors[name] = [
                    gettext("One of: %(codes)s.") % {"codes": ", ".join(ScoringMethod.values)}
                ]
        elif name == "missing_judgments":
            if value not in MissingJudgments.values:
                errors[name] = [
                    gettext("One of: %(codes)s.") % {"codes": ", ".join(MissingJudgments.values)}
                ]
        else:
            errors[name] = [gettext("Unknown setting.")]
    if errors:
        raise DomainError(gettext("Some review policy settings are invalid."), fields=errors)
    policy, _ = ReviewPolicy.objects.select_for_update().get_or_create(project=project)
    before = _policy_state(policy)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.updated_by = by
    policy.save()
    _log(
        project_id=project.pk,
        actor=by,
        action="policy_update",
        before=before,
        after=_policy_state(policy),
    )
    return policy
