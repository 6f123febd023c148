from django import forms

from accounts.models import TokenScope


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'import script'.")
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires at (UTC, optional)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for a token that does not expire.",
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text="Read only: GET requests. Annotate: reading plus a trainer's work (next "
        "task, drafts, submit, revise, skip, leases, disputes). Manage: everything your role "
        "allows. Choose the least your script needs.",
    )
