from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import NO_MATCH, ApiTokenForm, LanguageForm, LoginForm
from accounts.models import ApiToken
from accounts.permissions import can_manage_api_token
from accounts.services import api_token_create, api_token_revoke, user_set_language
from annotation_platform import jsonguard
from annotation_platform.api.errors import error_body
from annotation_platform.confirm import confirmed
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


def _session_body(request: HttpRequest) -> dict:
    user = request.user
    return {
        "authenticated": user.is_authenticated,
        "user": {"id": user.pk, "username": user.get_username(), "name": str(user)}
        if user.is_authenticated
        else None,
        # Logging in rotates the token: the page must send this one (or the cookie's) now.
        "csrf_token": get_token(request),
    }


def _login_refused(form: LoginForm) -> JsonResponse:
    fields = {name: list(found) for name, found in form.errors.items() if name != "__all__"}
    refusals = form.errors.as_data().get("__all__", [])
    code = refusals[0].code if refusals else "invalid"
    if form.throttle is not None:
        response = JsonResponse(
            error_body("login_throttled", " ".join(form.non_field_errors())), status=429
        )
        response["Retry-After"] = str(max(1, form.throttle.wait_seconds))
        return response
    if code == "invalid_login":  # the log-in page's words, not Django's
        return JsonResponse(error_body(code, f"{NO_MATCH} Please try again."), status=400)
    message = " ".join(form.non_field_errors()) or "Enter a username and a password."
    return JsonResponse(error_body(code or "invalid", message, fields), status=400)


@never_cache
@sensitive_post_parameters()
@sensitive_variables("body", "password")
@require_http_methods(["GET", "POST"])
def session_login(request: HttpRequest) -> JsonResponse:
    """Log in again without leaving the page (the workspace's dialog when a session ends).

    GET: whose session this browser holds, with a CSRF token (the cookie is set as well).
    POST ``{"username", "password"}`` (JSON, with the CSRF token like any form): the same
    form, throttle and audit as /account/login/, so nothing here can be guessed faster;
    400 ``invalid_login``, 429 ``login_throttled`` with Retry-After, 200 with the new session.
    """
    if request.method == "GET":
        return JsonResponse(_session_body(request))
    try:
        body = jsonguard.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JsonResponse(
            error_body("invalid", "Send a JSON object with a username and a password."),
            status=400,
        )
    fields = {name: ["Unknown field."] for name in sorted(set(body) - {"username", "password"})}
    for name in ("username", "password"):
        if not isinstance(body.get(name), str) or not body[name]:
            fields[name] = ["This field is required."]
    if fields:
        return JsonResponse(
            error_body("invalid", f"Invalid input in: {', '.join(sorted(fields))}.", fields),
            status=400,
        )
    form = LoginForm(request, data={"username": body["username"], "password": body["password"]})
    if not form.is_valid():
        return _login_refused(form)
    auth_login(request, form.get_user())
    return JsonResponse(_session_body(request))


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
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what revoking the token stops, to confirm; POST with ``confirm``: revoke."""
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    if not can_manage_api_token(request.user, token):
        raise Http404
    if not confirmed(request):
        return render(request, "accounts/confirm_token_revoke.html", {"token": token})
    api_token_revoke(token=token)
    messages.success(request, gettext("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("token-list")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switcher (a plain form: works without JavaScript).

    Sets the language cookie for everyone (the log-in page has the switcher too) and, for a
    signed-in user, saves the choice (``User.language``) so it follows them to other
    browsers and to the API. The page twin of PATCH /api/v1/me/preferences/.
    """
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            " ".join(message for errors in form.errors.values() for message in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    next_url = request.POST.get("next") or request.headers.get("referer") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("dashboard")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response
