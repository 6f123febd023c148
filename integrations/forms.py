from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.models import WebhookEvent


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Payload URL"),
        max_length=2000,
        help_text=_(
            "Where events are POSTed (http or https). Private and internal addresses "
            "are refused unless the site administrator allows them."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/annotation"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("Events"),
        help_text=_("The events to send."),
    )
