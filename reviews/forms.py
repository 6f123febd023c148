"""Forms of the review workflow's pages. They only parse what a reviewer sends into the
shape the services take (``reviews.workflow.ReviewInput``); every rule is the services'.
A service's refusal comes back through ``place_error``, which puts each message next to
the field it names (``reasons[0].criterion`` → the reasons select, ``judgments.c1.level``
→ criterion c1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from annotation_platform.errors import DomainError
from annotation_platform.ids import id_or_none
from reviews.models import Decision, MissingJudgments, ScoringMethod
from reviews.workflow import ReviewInput
from rubrics.content import KIND_SECTION, iter_criteria, iter_nodes

NOT_JUDGED = ""


def _judgment_choices(criterion: Mapping[str, Any]) -> list[tuple[str, str]]:
    scale = criterion.get("scale") or {"type": "binary"}
    if scale["type"] == "ordinal":
        return [(NOT_JUDGED, _("Not judged"))] + [
            (str(level["value"]), f"{level['value']} · {level.get('descriptor', '')}".rstrip(" ·"))
            for level in scale.get("levels", [])
        ]
    return [(NOT_JUDGED, _("Not judged")), ("met", _("Met")), ("not_met", _("Not met"))]


def _options(field: forms.BoundField) -> list[dict[str, Any]]:
    """A radio or checkbox field's choices as plain data (value, label, id, checked) for
    the template to write its inputs itself: a 20-criterion rubric has some 80 inputs, and
    Django renders each widget through a template of its own (about half the page's time)."""
    value = field.value()
    chosen = {str(v) for v in value} if isinstance(value, (list, tuple)) else {str(value or "")}
    return [
        {
            "value": str(choice_value),
            "label": choice_label,
            "id": f"{field.auto_id}_{index}",
            "checked": str(choice_value) in chosen,
        }
        for index, (choice_value, choice_label) in enumerate(field.field.choices)
        if not isinstance(choice_label, (list, tuple))
    ] + [
        {
            "value": str(choice_value),
            "label": choice_label,
            "id": f"{field.auto_id}_{group_index}_{index}",
            "checked": str(choice_value) in chosen,
        }
        for group_index, (_group, group) in enumerate(field.field.choices)
        if isinstance(group, (list, tuple))
        for index, (choice_value, choice_label) in enumerate(group)
    ]


class ReviewForm(forms.Form):
    """A review, a second review or a dispute resolution: per-criterion judgments of the
    rubric version the page shows, a decision, reasons (a criterion or a guideline rule),
    a comment for the author and a note for reviewers."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reasons = forms.MultipleChoiceField(
        required=False,
        label=_("Reasons"),
        help_text=_("Needed to reject or return: a rubric criterion or a guideline rule."),
        # Ticked, never Ctrl+clicked; the page filters them as the reviewer types.
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        required=False,
        label=_("Comment for the author"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Needed to reject or return: what to change and why."),
    )
    private_note = forms.CharField(
        required=False,
        label=_("Private note (reviewers only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    rubric_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        rubric: Mapping[str, Any] | None,
        rules: Sequence[Mapping[str, Any]],
        decisions: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = (
            [located.node for located in iter_criteria(rubric["content"])] if rubric else []
        )
        # Sections as the rubric lays them out, for the judging form's headings.
        self.outline = list(iter_nodes(rubric["content"])) if rubric else []
        self.fields["rubric_version"].initial = rubric["id"] if rubric else None
        if decisions is not None:
            self.fields["decision"].choices = [
                (value, label) for value, label in Decision.choices if value in decisions
            ]
        self.fields["reasons"].choices = [
            (
                _("Rubric criteria"),
                [(f"criterion:{c['id']}", f"{c['title']} ({c['id']})") for c in self.criteria],
            ),
            (
                _("Guideline rules"),
                [(f"rule:{r['id']}", f"{r['id']}: {r['title']}") for r in rules],
            ),
        ]
        for criterion in self.criteria:
            self.fields[f"j-{criterion['id']}"] = forms.ChoiceField(
                required=False,
                label=criterion["title"],
                choices=_judgment_choices(criterion),
                widget=forms.RadioSelect,
            )
            self.fields[f"e-{criterion['id']}"] = forms.CharField(
                required=False,
                label=_("Evidence"),
                help_text=_("Required when judged met.")
                if criterion.get("evidence_required")
                else "",
                widget=forms.TextInput(attrs={"size": 60}),
            )

    def criterion_rows(self) -> list[dict[str, Any]]:
        """What the template lays out, in the rubric's order: a heading per section (its
        title and description) and, per criterion, the node and its two bound fields."""
        rows: list[dict[str, Any]] = []
        for located in self.outline:
            node, depth = located.node, len(located.sections)
            if node["kind"] == KIND_SECTION:
                rows.append({"section": node, "depth": depth})
                continue
            judgment = self[f"j-{node['id']}"]
            rows.append(
                {
                    "criterion": node,
                    "judgment": judgment,
                    "options": _options(judgment),
                    "evidence": self[f"e-{node['id']}"],
                    "pitfall": node.get("polarity") == "pitfall",
                    "depth": depth,
                }
            )
        return rows

    def reason_groups(self) -> list[dict[str, Any]]:
        """The reasons' checkboxes in their two groups (criteria, guideline rules), for a
        list the page filters as the reviewer types."""
        boxes = _options(self["reasons"])
        groups = []
        for prefix, label in (
            ("criterion:", _("Rubric criteria")),
            ("rule:", _("Guideline rules")),
        ):
            choices = [box for box in boxes if box["value"].startswith(prefix)]
            if choices:
                groups.append({"label": label, "choices": choices})
        return groups

    def judgments(self) -> dict[str, dict[str, Any]]:
        judged: dict[str, dict[str, Any]] = {}
        for criterion in self.criteria:
            value = self.cleaned_data.get(f"j-{criterion['id']}") or NOT_JUDGED
            if value == NOT_JUDGED:
                continue
            if value in ("met", "not_met"):
                judgment: dict[str, Any] = {"met": value == "met"}
            else:
                judgment = {"level": int(value)}
            evidence = (self.cleaned_data.get(f"e-{criterion['id']}") or "").strip()
            if evidence:
                judgment["evidence"] = evidence
            judged[criterion["id"]] = judgment
        return judged

    def review_input(self) -> ReviewInput:
        reasons = []
        for value in self.cleaned_data["reasons"]:
            kind, _, key = value.partition(":")
            reasons.append({kind: key})
        return ReviewInput(
            decision=self.cleaned_data["decision"],
            judgments=self.judgments(),
            reasons=reasons,
            comment=self.cleaned_data["comment"],
            private_note=self.cleaned_data["private_note"],
            rubric_version=self.cleaned_data["rubric_version"],
            revision=self.cleaned_data["revision"],
        )

    def place_error(self, exc: DomainError) -> None:
        place_error(self, exc)


def _field_for(form: forms.Form, path: str) -> str | None:
    """The form field a service's error path names, if the form has one."""
    if path in form.fields:
        return path
    head = path.split("[", 1)[0].split(".", 1)[0]
    if head == "judgments":
        parts = path.split(".")
        if len(parts) >= 2:
            key = parts[1]
            name = f"e-{key}" if parts[-1] == "evidence" else f"j-{key}"
            return name if name in form.fields else None
        return None
    return head if head in form.fields else None


def place_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on ``form``: each message next to the field its path
    names, the summary on top (always, so a 409 without fields still says what happened)."""
    form.add_error(None, exc.detail)
    for path, messages in exc.fields.items():
        name = _field_for(form, path)
        for message in messages:
            if name is None:
                # "judgments" as a whole is the form's criteria: its message needs no path.
                form.add_error(None, message if path == "judgments" else f"{path}: {message}")
            else:
                form.add_error(name, message)


class RegradeForm(ReviewForm):
    """Judgments against the rubric version now in force, and an optional comment; no
    decision (a re-grade never changes one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("decision", "reasons", "private_note", "revision"):
            del self.fields[name]


class DisputeForm(forms.Form):
    comment = forms.CharField(
        label=_("Why the rejection is wrong"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A dispute is decided once, for good, by another reviewer."),
    )


class BulkAcceptForm(forms.Form):
    submissions = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": _("Select at least one submission.")}
    )
    comment = forms.CharField(required=False, max_length=10_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id may be sent; the service decides which are queued clean work of this
        # project and names the others per item.
        self.fields["submissions"].valid_value = lambda value: id_or_none(value) is not None


class ReviewPolicyForm(forms.Form):
    clean_sample_rate = forms.FloatField(
        label=_("Share of clean work reviewed"),
        help_text=_("0 to 1: 0.2 reviews a fifth of the work no check flagged."),
    )
    full_review_first_n = forms.IntegerField(
        label=_("Review every submission of a trainer's first N"),
    )
    show_author_names = forms.BooleanField(
        required=False,
        label=_("Show author names to reviewers"),
        help_text=_("Unticked, reviewers see a stable pseudonym per trainer."),
    )
    lease_seconds = forms.IntegerField(
        label=_("Lease (seconds)"), help_text=_("How long a reviewer holds an item.")
    )
    scoring_method = forms.ChoiceField(choices=ScoringMethod.choices, label=_("Scoring method"))
    missing_judgments = forms.ChoiceField(
        choices=MissingJudgments.choices, label=_("Criteria left unjudged")
    )
