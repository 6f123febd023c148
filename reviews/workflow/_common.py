"""Internals shared by the review workflow modules: the audit-log writer, the rule that
nobody reviews their own work, and the checks of a reviewer's input (decision, rubric
version in force, judgments, reasons, comment)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from annotation_platform.errors import ConflictError, DomainError
from reviews import permissions
from reviews.models import Decision, Dispute, Review, ReviewEvent, ReviewPolicy
from reviews.signals import review_decided
from rubrics.content import iter_criteria
from rubrics.models import RubricVersion
from rubrics.scoring import score_rubric, validate_judgments
from tasks.models import Project, Submission, SubmissionRevision, SubmissionStatus
from tasks.services.guidelines import guidelines_current

MAX_COMMENT_CHARS = 10_000
MAX_BULK = 500
STATUS_FOR = {
    Decision.ACCEPT: SubmissionStatus.ACCEPTED,
    Decision.REJECT: SubmissionStatus.REJECTED,
    Decision.RETURN: SubmissionStatus.RETURNED,
}


# --- the audit-log writer and the reviewer rule ----------------------------------------


def _log(
    *,
    project_id: int,
    actor,
    action: str,
    submission: Submission | None = None,
    review: Review | None = None,
    dispute: Dispute | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> ReviewEvent:
    return ReviewEvent.objects.create(
        project_id=project_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        submission=submission,
        review=review,
        dispute=dispute,
        before=before or {},
        after=after or {},
    )


def _require_reviewer_of(reviewer, submission: Submission) -> None:
    if submission.author_id == getattr(reviewer, "pk", None):
        raise PermissionDenied(_("Nobody reviews their own work."))
    if not permissions.can_review_submission(reviewer, submission):
        raise PermissionDenied(_("Only QA leads and admins of this project review its work."))


# --- judgments, reasons, rubric versions ----------------------------------------------------


def _rubric_in_force(
    project: Project, named: Any, *, needed: bool, field: str = "rubric_version"
) -> RubricVersion | None:
    """The project's pinned rubric version, which every new review is recorded against.

    ``named`` is the version the reviewer judged against (the page or client sends the one
    it loaded); anything but the version in force is refused, so judgments made against a
    superseded or retired version are never scored as if they were current.
    """
    current = (
        RubricVersion.objects.select_related("rubric").filter(pk=project.rubric_version_id).first()
        if project.rubric_version_id
        else None
    )
    if named is None:
        if needed and current is not None:
            raise DomainError(
                _("Name the rubric version you judged against."),
                code="rubric_version_required",
                fields={
                    field: [
                        _("Required with judgments: the project applies id %(id)s.")
                        % {"id": current.pk}
                    ]
                },
            )
        if current is not None:
            current.require_applicable()
        return current
    if current is None:
        raise ConflictError(
            _("This project applies no rubric; send no rubric version and no judgments."),
            code="no_rubric",
            fields={field: [_("The project pins no rubric version.")]},
        )
    if named != current.pk:
        old = RubricVersion.objects.filter(pk=named).select_related("rubric").first()
        in_force = {"current": current.number, "id": current.pk}
        detail = (
            _(
                "Version %(number)s of “%(rubric)s” is %(status)s; this project's reviews "
                "apply version %(current)s (id %(id)s). Reload the review and judge against it."
            )
            % {
                "number": old.number,
                "rubric": old.rubric,
                "status": old.get_status_display().lower(),
                **in_force,
            }
            if old is not None
            else _(
                "There is no rubric version %(named)s; this project's reviews apply version "
                "%(current)s (id %(id)s). Reload the review and judge against it."
            )
            % {"named": named, **in_force}
        )
        raise ConflictError(
            detail,
            code="rubric_version_not_current",
            fields={field: [_("Not the version in force (id %(id)s).") % {"id": current.pk}]},
        )
    if not current.is_applicable:
        raise ConflictError(
            _(
                "Version %(number)s of “%(rubric)s” is retired and is never applied again; "
                "a setter must pin another version."
            )
            % {"number": current.number, "rubric": current.rubric},
            code="version_retired",
            fields={field: [_("Retired.")]},
        )
    return current


def _score(
    version: RubricVersion | None, judgments: Any, policy: ReviewPolicy
) -> dict[str, Any] | None:
    if judgments in (None, {}):
        return None
    if not isinstance(judgments, Mapping):
        raise DomainError(
            _("Judgments must be an object keyed by criterion id."),
            fields={"judgments": [_("Must be an object keyed by criterion id.")]},
        )
    if version is None:
        raise DomainError(
            _("This project applies no rubric, so there is nothing to judge."),
            fields={"judgments": [_("The project pins no rubric version.")]},
        )
    errors = validate_judgments(version.content, judgments, require_evidence=True)
    if errors:
        raise DomainError(
            _("Some judgments need attention; each is listed under its criterion."),
            code="invalid_judgments",
            fields={f"judgments.{path}" if path else "judgments": m for path, m in errors.items()},
        )
    return score_rubric(
        version.content,
        judgments,
        method=policy.scoring_method,  # type: ignore[arg-type]
        missing=policy.missing_judgments,  # type: ignore[arg-type]
    ).as_dict()


def _clean_reasons(
    project: Project, version: RubricVersion | None, reasons: Any, decision: str
) -> list[dict[str, str]]:
    """Each reason names a criterion of the rubric version in force or an active rule of the
    guidelines in force; reject and return need at least one."""
    if reasons in (None, ""):
        reasons = []
    if not isinstance(reasons, list):
        raise DomainError(_("Reasons must be a list."), fields={"reasons": [_("Must be a list.")]})
    if decision in (Decision.REJECT, Decision.RETURN) and not reasons:
        raise DomainError(
            _(
                "Say why: a rejection or a return names at least one rubric criterion or "
                "guideline rule."
            ),
            code="reason_required",
            fields={"reasons": [_("At least one reason (a criterion or a guideline rule).")]},
        )
    criteria = (
        {located.node["id"]: located.node for located in iter_criteria(version.content)}
        if version is not None
        else {}
    )
    guidelines = guidelines_current(project)
    rules = {rule["id"]: rule for rule in (guidelines.active_rules if guidelines else [])}
    cleaned: list[dict[str, str]] = []
    errors: dict[str, list[str]] = {}
    for index, reason in enumerate(reasons):
        where = f"reasons[{index}]"
        if not isinstance(reason, Mapping) or len(set(reason) & {"criterion", "rule"}) != 1:
            errors[where] = [_('An object with either "criterion" or "rule".')]
            continue
        unknown = set(reason) - {"criterion", "rule"}
        if unknown:
            errors[where] = [
                _("Unknown key(s): %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown)))}
            ]
            continue
        if "criterion" in reason:
            key = reason["criterion"]
            if key not in criteria:
                errors[f"{where}.criterion"] = [
                    _("Not a criterion of the rubric version in force.")
                    if version is not None
                    else _("This project applies no rubric; name a guideline rule.")
                ]
                continue
            cleaned.append({"criterion": key, "label": str(criteria[key].get("title", key))})
        else:
            key = reason["rule"]
            if key not in rules:
                errors[f"{where}.rule"] = [_("Not an active rule of the guidelines in force.")]
                continue
            cleaned.append({"rule": key, "label": str(rules[key].get("title", key))})
    if errors:
        raise DomainError(
            _("Some reasons name nothing in force."), code="invalid_reason", fields=errors
        )
    return cleaned


def _clean_comment(comment: Any, *, required: bool, field: str = "comment") -> str:
    text = comment.strip() if isinstance(comment, str) else ""
    if comment is not None and not isinstance(comment, str):
        raise DomainError(_("The comment must be text."), fields={field: [_("Must be text.")]})
    if required and not text:
        raise DomainError(
            _("A comment is required: tell the author what to change and why."),
            code="comment_required",
            fields={field: [_("This is required.")]},
        )
    if len(text) > MAX_COMMENT_CHARS:
        raise DomainError(
            _("The comment is too long."),
            fields={
                field: [
                    _("At most %(count)s characters.") % {"count": MAX_COMMENT_CHARS},
                ]
            },
        )
    return text


def _decision(value: Any) -> str:
    if value not in Decision.values:
        raise DomainError(
            _("Choose a decision."),
            fields={"decision": [_("One of: %(codes)s.") % {"codes": ", ".join(Decision.values)}]},
        )
    return value


def _author_reasons(
    reasons: Sequence[Mapping[str, str]], comment: str, *, author: Any = None
) -> list[str]:
    """What the author reads on returned work: each reason, then the reviewer's comment.
    The lines are stored as text, so they are written in the author's saved language (not
    the reviewer's); an author who follows their browser reads them in the default one."""
    language = getattr(author, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        lines = [
            _("Rubric criterion “%(label)s” (%(code)s)")
            % {"label": r["label"], "code": r["criterion"]}
            if "criterion" in r
            else _("Guideline rule %(code)s: %(label)s") % {"code": r["rule"], "label": r["label"]}
            for r in reasons
        ]
    return [*lines, comment] if comment else lines


# --- what a reviewer sends -------------------------------------------------------------


@dataclass(frozen=True)
class ReviewInput:
    """What a reviewer sends: the shape the page's form and the API serializer produce."""

    decision: str
    judgments: Mapping[str, Any] | None = None
    reasons: Sequence[Mapping[str, Any]] | None = None
    comment: str = ""
    private_note: str = ""
    rubric_version: int | None = None
    revision: int | None = None


@dataclass(frozen=True)
class _Judged:
    """A reviewer's input, checked against the project's rubric version and rules."""

    decision: str
    version: RubricVersion | None
    score: dict | None
    reasons: list
    comment: str
    note: str
    judgments: dict


def _judge(
    project: Project,
    data: ReviewInput,
    *,
    policy: ReviewPolicy,
    comment_required: bool | None = None,
    standing_reasons: list | None = None,
) -> _Judged:
    """Check what a reviewer sends (decision, rubric version in force, judgments and their
    score, reasons, comment, private note), in that order: each raises its own 4xx.
    ``standing_reasons``: a rejection confirmed without new reasons keeps these."""
    decision = _decision(data.decision)
    version = _rubric_in_force(project, data.rubric_version, needed=bool(data.judgments))
    score = _score(version, data.judgments, policy)
    if standing_reasons is not None and decision == Decision.REJECT and not data.reasons:
        reasons = standing_reasons
    else:
        reasons = _clean_reasons(project, version, data.reasons, decision)
    if comment_required is None:
        comment_required = decision != Decision.ACCEPT
    comment = _clean_comment(data.comment, required=comment_required)
    note = _clean_comment(data.private_note, required=False, field="private_note")
    return _Judged(decision, version, score, reasons, comment, note, dict(data.judgments or {}))


def _review_create(
    judged: _Judged,
    *,
    submission: Submission,
    project: Project,
    kind: str,
    reviewer,
    revision: SubmissionRevision,
    template=None,
    parent: Review | None = None,
) -> Review:
    """Record a judged review of ``revision`` (immutable once written)."""
    return Review.objects.create(
        submission=submission,
        project=project,
        kind=kind,
        parent=parent,
        reviewer=reviewer,
        revision=revision,
        template=template or revision.template,
        rubric_version=judged.version,
        judgments=judged.judgments,
        score=judged.score,
        decision=judged.decision,
        reasons=judged.reasons,
        comment=judged.comment,
        private_note=judged.note,
    )


def _revision_row(submission: Submission, number: int) -> SubmissionRevision:
    return SubmissionRevision.objects.select_related("template").get(
        submission=submission, number=number
    )


def _decided_after_commit(review: Review) -> None:
    transaction.on_commit(lambda: review_decided.send(sender=Review, review=review))
