import json

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotation_platform import jsonguard
from exports.models import ExportFormat
from tasks.models import SubmissionStatus


class ExportForm(forms.Form):
    """The page's export request; it only parses: ``exports.services.export_create`` decides."""

    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices)
    status = forms.MultipleChoiceField(
        label=_("Submission status"),
        choices=SubmissionStatus.choices,
        initial=[SubmissionStatus.ACCEPTED],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Accepted only unless you tick others."),
    )
    trainer = forms.CharField(
        label=_("Trainer"), required=False, help_text=_("A username; empty for every trainer.")
    )
    date_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    template_version = forms.CharField(
        label=_("Template versions"),
        required=False,
        help_text=_("Numbers, comma-separated."),
    )
    options = forms.CharField(
        label=_("Options (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "code", "spellcheck": "false"}),
        help_text=_(
            'Only where the template leaves a choice, e.g. {"system_field": "meta.voice"}.'
        ),
    )

    def clean_options(self):
        text = self.cleaned_data["options"].strip()
        if not text:
            return {}
        try:
            return jsonguard.loads(text)
        except jsonguard.HostileInput as exc:
            raise forms.ValidationError(
                gettext("Refused at %(where)s: %(reason)s")
                % {"where": exc.path or gettext("the top"), "reason": exc.reason}
            ) from exc
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                gettext("Not valid JSON: %(error)s at line %(line)s, column %(column)s.")
                % {
                    "error": jsonguard.syntax_error_text(exc),
                    "line": exc.lineno,
                    "column": exc.colno,
                }
            ) from exc

    def filters(self) -> dict:
        data = self.cleaned_data
        filters: dict = {"status": data["status"] or [SubmissionStatus.ACCEPTED]}
        if data["trainer"]:
            filters["trainer"] = data["trainer"].strip()
        for name in ("date_from", "date_to"):
            if data[name]:
                filters[name] = data[name].isoformat()
        if data["template_version"]:
            filters["template_version"] = data["template_version"]
        return filters

    def add_service_error(self, name: str, messages: list[str]) -> bool:
        """Place ``filters.trainer``-style errors on their field; True if placed."""
        field = name.split(".", 1)[-1] if name.startswith("filters.") else name
        if name.startswith("options."):
            field = "options"
            messages = [f"{name.split('.', 1)[1]}: {m}" for m in messages]
        if field not in self.fields:
            return False
        for message in messages:
            self.add_error(field, message)
        return True
