from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import ApiTokenForm, LoginForm
from accounts.models import ApiToken
from accounts.permissions import can_manage_api_token
from accounts.services import api_token_create, api_token_revoke
from annotation_platform.errors import DomainError
from annotation_platform.forms import add_domain_error


class LoginView(auth_views.LoginView):
    """Django's log-in page with the throttle's message; a throttled attempt answers 429."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        return throttled_login_response(super().form_invalid(form), form)


def throttled_login_response(response: HttpResponse, form) -> HttpResponse:
    """A log-in page whose attempt the throttle refused or that has just locked: 429 with
    Retry-After, so scripts and proxies see the limit, not a plain failed form."""
    throttle = getattr(form, "throttle", None)
    if throttle is not None:
        response.status_code = 429
        response["Retry-After"] = str(max(1, throttle.wait_seconds))
    return response


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The page twin of /api/v1/tokens/: list, create (secret shown once) and revoke."""
    form = ApiTokenForm(request.POST or None)
    created_raw = None
    if request.method == "POST" and form.is_valid():
        try:
            _, created_raw = api_token_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.visible_to(request.user)
    status = 200 if not form.errors else 400
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": tokens, "created_raw": created_raw},
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    if not can_manage_api_token(request.user, token):
        raise Http404
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("token-list")
