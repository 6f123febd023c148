"""Which language a request is answered in, and how a person changes it.

Order: the signed-in user's saved choice (``User.language``), else the language cookie (set by
the header switcher, signed in or not), else ``Accept-Language``, else English. Django's
``LocaleMiddleware`` does the last three before the user is known; ``UserLanguageMiddleware``
runs after authentication and applies the saved choice. API tokens are checked later, inside
DRF: ``accounts.authentication`` applies the token user's choice the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts.models import User


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def activate_user_language(request: HttpRequest, user: User | None) -> None:
    """Answer ``request`` in ``user``'s saved language, if they saved one we still offer."""
    language = getattr(user, "language", "") if user is not None else ""
    if language and language in language_codes():
        translation.activate(language)
        request.LANGUAGE_CODE = language


class UserLanguageMiddleware:
    """After AuthenticationMiddleware: the saved language beats cookie and browser.

    Reading ``request.user`` here costs the session's user query a view would make anyway.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        try:
            signed_in = user is not None and user.is_authenticated
        except Exception as exc:
            # The session or the user could not be read (the database is down): the
            # language is a nicety, and the view's own read makes the 503 (outages.py, imported
            # here: it needs the API's error module, which needs this app's authentication).
            from annotation_platform.outages import is_service_unavailable

            if not is_service_unavailable(exc):
                raise
            signed_in = False
        if signed_in:
            activate_user_language(request, user)
        return self.get_response(request)


# <html lang>: BCP 47 tags browsers and fonts understand (Hong Kong glyph forms for zh-hant).
HTML_LANG = {"en": "en", "zh-hans": "zh-Hans", "zh-hant": "zh-Hant-HK"}


def language_context(request: HttpRequest) -> dict:
    """What every page needs for its <html lang> and the header's language switcher."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "html_lang": HTML_LANG.get(current, current),
        "language_choices": [
            {
                "code": code,
                "name": name,
                "lang": HTML_LANG.get(code, code),
                "current": code == current,
            }
            for code, name in settings.LANGUAGES
        ],
    }
