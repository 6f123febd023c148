from django import forms
from django.utils.translation import gettext_lazy as _

from imports.formats import FORMATS
from imports.models import ImportMode


class ImportForm(forms.Form):
    file = forms.FileField(required=False, label=_("File"))
    storage_key = forms.CharField(
        required=False,
        max_length=500,
        label=_("Or a file in storage (its key)"),
        help_text=_("For large files already in the project's storage or bucket."),
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", _("From the file name (.json, .jsonl, .csv)"))]
        + [(value, value.upper()) for value in FORMATS],
        label=_("Format"),
    )
    mode = forms.ChoiceField(
        choices=ImportMode.choices,
        initial=ImportMode.CREATE_OR_SKIP,
        label=_("Rows whose external id already exists"),
    )
    partial = forms.BooleanField(
        required=False,
        label=_("Import the valid rows and give me the rejected ones as a file"),
        help_text=_("Otherwise a file with any bad row is refused whole."),
    )
    delimiter = forms.ChoiceField(
        choices=[(",", _("Comma")), (";", _("Semicolon")), ("\t", _("Tab"))],
        initial=",",
        label=_("CSV delimiter"),
    )
