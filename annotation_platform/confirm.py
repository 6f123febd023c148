"""Confirmation of destructive actions (revoking a token, deleting a webhook, removing a
member, deleting a project): the action's URL answers GET with a server-rendered page
that says what will be destroyed, with a Cancel link, and acts only on a POST that
carries the page's ``confirm`` field. It works without JavaScript and under the content
policy (no inline script); a POST without the field (an old page, a stray click) shows
the confirmation page again and changes nothing."""

from __future__ import annotations

from django.http import HttpRequest

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def confirmed(request: HttpRequest) -> bool:
    """Whether ``request`` is the confirmation page's POST."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE
