from django import forms

from integrations.models import WebhookEvent


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="Payload URL",
        max_length=2000,
        help_text="Where events are POSTed (http or https). Private and internal addresses "
        "are refused unless the site administrator allows them.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/annotation"}),
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events to send.",
    )
