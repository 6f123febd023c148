from django import forms
from django.utils.translation import gettext_lazy as _

from metrics.models import MetricsSettings, RatingLevel


class MetricsSettingsForm(forms.Form):
    """Parses the settings page; ``metrics_settings_save`` holds the rules."""

    pay_per_accepted_task = forms.CharField(
        label=_("Pay per accepted task"),
        required=False,
        max_length=20,
        help_text=_("Leave empty if trainers are not paid per task. E.g. 2.50"),
    )
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        help_text=_("ISO 4217 code of the pay rate, e.g. EUR."),
    )
    mos_system_field = forms.CharField(
        label=_("MOS system field"),
        required=False,
        max_length=200,
        help_text=_(
            "Dotted path in the task data naming the system behind a clip, e.g. "
            "meta.system. Empty: one MOS for the whole project."
        ),
    )
    rating_level = forms.ChoiceField(
        label=_("Ratings are"),
        choices=RatingLevel.choices,
        help_text=_("Level of measurement Krippendorff's alpha uses for rating questions."),
    )

    @staticmethod
    def initial_for(settings: MetricsSettings) -> dict:
        return {
            "pay_per_accepted_task": settings.pay_per_accepted_task or "",
            "currency": settings.currency,
            "mos_system_field": settings.mos_system_field,
            "rating_level": settings.rating_level,
        }
