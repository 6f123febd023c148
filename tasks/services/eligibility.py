"""The work gate: may this user work on this project now?

Every write of a trainer's work asks it first (a draft, a submit, a revision), and so does
``next``, so a task is not held by someone who could not answer it. Whether a role may work
on a project at all is ``permissions.can_work_on_project``; this gate adds what a trainer
must have done first. Today that is one rule: the guidelines version in force is
acknowledged. Qualification and caps belong here too, each as a refusal with its own
stable code, so pages and API clients branch on ``code`` and never on the wording.

The check costs no query on the hot path: ``lookups.visible_task``/``visible_project``
read the version in force and the user's last acknowledgement with the object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.urls import reverse
from django.utils.translation import gettext as _

from annotation_platform.errors import ConflictError
from tasks import permissions
from tasks.lookups import guidelines_standing
from tasks.models import Project

GUIDELINES_NOT_ACKNOWLEDGED: Final = "guidelines_not_acknowledged"


@dataclass(frozen=True)
class WorkRefusal:
    """Why a user may not work on a project now, and what lifts it.

    ``code`` is stable (clients branch on it); ``detail`` says, for people, what to do and
    where; ``guidelines_version`` is the version to acknowledge (for that code).
    """

    code: str
    detail: str
    guidelines_version: int | None = None
    guidelines_url: str = ""
    acknowledge_url: str = ""

    def extra(self) -> dict[str, Any]:
        """What an API client needs to lift the refusal, beside the error's code."""
        if self.code != GUIDELINES_NOT_ACKNOWLEDGED:
            return {}
        return {
            "guidelines": {
                "version": self.guidelines_version,
                "url": self.guidelines_url,
                "acknowledge_url": self.acknowledge_url,
            }
        }


class WorkRefused(ConflictError):
    """The work gate said no: a 409 with the refusal's code (the state of the user's
    obligations conflicts with the request; their role allows it)."""

    def __init__(self, refusal: WorkRefusal) -> None:
        super().__init__(refusal.detail, code=refusal.code, extra=refusal.extra())
        self.refusal = refusal


def work_gate(*, user, project: Project) -> WorkRefusal | None:
    """None if ``user`` may work on ``project`` now, else the first reason why not.

    Only those held to the guidelines (``permissions.can_acknowledge_guidelines``:
    trainers) can be refused for them; anyone else passes here, and their role decides.
    A project with no published guidelines refuses nobody.
    """
    if not permissions.can_acknowledge_guidelines(user, project):
        return None
    in_force, acknowledged = guidelines_standing(user, project)
    if in_force is not None and (acknowledged or 0) < in_force:
        url = reverse("guidelines", args=[project.pk])
        # The code stays the same in every language; only the sentence is translated.
        if acknowledged:
            detail = _(
                "The guidelines changed: version %(in_force)s is in force and you last read "
                "version %(acknowledged)s. Read what changed and confirm you have read them "
                "before you answer: open %(url)s and press the button in the notice there."
            ) % {"in_force": in_force, "acknowledged": acknowledged, "url": url}
        else:
            detail = _(
                "Read this project's guidelines (version %(in_force)s) and confirm you have "
                "read them before you answer: open %(url)s and press the button in the notice "
                "there."
            ) % {"in_force": in_force, "url": url}
        return WorkRefusal(
            code=GUIDELINES_NOT_ACKNOWLEDGED,
            detail=detail,
            guidelines_version=in_force,
            guidelines_url=url,
            acknowledge_url=reverse("api-guidelines-acknowledge", args=[project.pk]),
        )
    return None


def work_gate_require(*, user, project: Project) -> None:
    """Raise ``WorkRefused`` (409 with the refusal's code) unless ``work_gate`` lets
    ``user`` work on ``project`` now."""
    refusal = work_gate(user=user, project=project)
    if refusal is not None:
        raise WorkRefused(refusal)
