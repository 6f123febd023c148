"""The Content-Security-Policy of every response, from django-csp's middleware.

The policy itself is in settings (``CONTENT_SECURITY_POLICY``, or
``CONTENT_SECURITY_POLICY_REPORT_ONLY`` when operators try it out with
``CSP_REPORT_ONLY=true``). What this module adds is the one per-response change the
project needs: a page of a project that lists remote media hosts (``tasks.remote_media``)
allows exactly those hosts in ``img-src`` and ``media-src``, for that response only, and in
``connect-src``: the waveform (static/js/waveform.js) fetches the clip it draws, which the
host must also allow by CORS (without it the plain player is shown).
A view calls ``allow_remote_media(request, hosts)`` at the moment it decides to render
such media, so the rendering and the header cannot disagree.
"""

from __future__ import annotations

import http
from collections.abc import Iterable
from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

_HOSTS_ATTR = "_remote_media_hosts"
# What a view sets on a response to change its policy (django-csp's decorators).
_RESPONSE_CHANGES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


@cache
def _plain_policies() -> tuple[tuple[str, str], ...]:
    """The headers of a response nobody changed: built once, not per response."""
    found = [(HEADER, build_policy()), (HEADER_REPORT_ONLY, build_policy(report_only=True))]
    return tuple((name, value) for name, value in found if value)


@receiver(setting_changed)
def _forget_plain_policies(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _plain_policies.cache_clear()


def allow_remote_media(request: HttpRequest, hosts: Iterable[str]) -> None:
    """Let this request's response load images and audio from ``hosts`` (cleaned host
    names, ``*.``-wildcards allowed: the CSP host-source syntax)."""
    allowed: list[str] = getattr(request, _HOSTS_ATTR, [])
    allowed.extend(host for host in hosts if host not in allowed)
    setattr(request, _HOSTS_ATTR, allowed)


class ContentPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the hosts ``allow_remote_media`` recorded added to
    the policy in force (enforced or report-only, whichever settings define)."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        # django-csp rebuilds the policy for every response (~50 µs, on every API call of
        # the hot path too); most responses carry the settings' policy unchanged, so it is
        # built once. Anything that changes it (remote hosts, a nonce, a decorator, the
        # debug pages' exemption, excluded prefixes) takes django-csp's own path;
        # tests/platform/test_content_policy.py checks that both give the same headers.
        if not self._plain(request, response):
            return super().process_response(request, response)
        for name, value in _plain_policies():
            if name not in response:
                response[name] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response

    @staticmethod
    def _plain(request: HttpRequest, response: HttpResponseBase) -> bool:
        if getattr(request, _HOSTS_ATTR, None) or getattr(request, "_csp_nonce", None):
            return False
        if any(hasattr(response, attr) for attr in _RESPONSE_CHANGES):
            return False
        if settings.DEBUG and response.status_code in (
            http.HTTPStatus.NOT_FOUND,
            http.HTTPStatus.INTERNAL_SERVER_ERROR,
        ):
            return False
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
            if (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES"):
                return False
        return True

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        hosts = getattr(request, _HOSTS_ATTR, None)
        if hosts:
            update = dict(parts.update or {})
            for directive in ("img-src", "media-src", "connect-src"):
                update[directive] = [*update.get(directive, ()), *hosts]
            parts.update = update
        return parts
