from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import TokenScope
from accounts.throttling import login_throttle_state


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. 'import script'."),
    )
    expires_at = forms.DateTimeField(
        required=False,
        label=_("Expires at (UTC, optional)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for a token that does not expire."),
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        label=_("Scope"),
        help_text=_(
            "Read only: GET requests. Annotate: reading plus a trainer's work (next "
            "task, drafts, submit, revise, skip, leases, disputes). Manage: everything your "
            "role allows. Choose the least your script needs."
        ),
    )


class LanguageForm(forms.Form):
    """The header switcher: one of settings.LANGUAGES."""

    language = forms.ChoiceField(choices=lambda: settings.LANGUAGES)
    next = forms.CharField(required=False)


NO_MATCH = "Your username and password didn't match."


class ThrottledLoginMixin:
    """Log-in forms that say why a throttled attempt was refused (``accounts.throttling``).

    The backend refuses inside ``authenticate``; the form only turns that, or a failure
    that has just slowed the client down or locked it, into the message people read.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "%(reason)s",
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as exc:
            request = self.request
            refused = getattr(request, "login_throttle", None) if request else None
            throttle = refused
            if throttle is None and request is not None and exc.code == "invalid_login":
                # This failure may have crossed a line: tell now, not on the next try.
                throttle = login_throttle_state(
                    request=request, username=self.cleaned_data.get("username")
                )
            if throttle is None or throttle.allowed:
                raise
            self.throttle = throttle
            # A refused attempt was not checked; a counted one was wrong, and says so.
            # (In the words the log-in page uses for a plain failure, not Django's.)
            reason = throttle.message if refused else f"{NO_MATCH} {throttle.message}"
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"reason": reason}
            ) from exc


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    throttle = None


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    throttle = None
