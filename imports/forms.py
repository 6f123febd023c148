from django import forms

from imports.formats import FORMATS
from imports.models import ImportMode


class ImportForm(forms.Form):
    file = forms.FileField(required=False, label="File")
    storage_key = forms.CharField(
        required=False,
        max_length=500,
        label="Or a file in storage (its key)",
        help_text="For large files already in the project's storage or bucket.",
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", "From the file name (.json, .jsonl, .csv)")]
        + [(value, value.upper()) for value in FORMATS],
        label="Format",
    )
    mode = forms.ChoiceField(
        choices=ImportMode.choices,
        initial=ImportMode.CREATE_OR_SKIP,
        label="Rows whose external id already exists",
    )
    partial = forms.BooleanField(
        required=False,
        label="Import the valid rows and give me the rejected ones as a file",
        help_text="Otherwise a file with any bad row is refused whole.",
    )
    delimiter = forms.ChoiceField(
        choices=[(",", "Comma"), (";", "Semicolon"), ("\t", "Tab")],
        initial=",",
        label="CSV delimiter",
    )
