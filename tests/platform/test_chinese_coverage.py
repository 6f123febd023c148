"""Every page of the site is rendered in Chinese by some test (issue 18's "every page, each
role"): the URL patterns outside the API are read from the resolver, and each must be named
in the ``PAGES`` of a ``tests/platform/test_chinese_*.py`` module (pages rendered with
``assert_translated``), in the ``ACTIONS`` of test_chinese_actions.py (POST actions whose
message and refusal are checked in Chinese), or here with the reason it has no interface
text of its own. A page added without a Chinese test fails here, naming it."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

# URL names with no interface text of their own to translate, and why.
NO_INTERFACE_TEXT = {
    "export-download": "a file (the export archive)",
    "import-rejected": "a file (the rejected rows, as uploaded)",
    "project-metrics-csv": "a file (CSV with machine column names)",
    "rubric-export": "a file (the rubric as JSON)",
    "media": "a file (an uploaded image or clip)",
    "healthz": "a probe for load balancers (JSON)",
    "javascript-catalog": "the translations themselves (tests/platform/test_js_catalog.py)",
    "session-login": "the workspace's log-in dialog's JSON twin (tests/e2e recovery tests)",
}
SKIPPED_PREFIXES = ("api/", "admin/", "static/")


def _site_urls(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _site_urls(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if not route.startswith(SKIPPED_PREFIXES):
                yield pattern.name, route


def _covered() -> dict[str, str]:
    covered: dict[str, str] = {}
    for path in sorted((Path(settings.BASE_DIR) / "tests" / "platform").glob("test_chinese_*.py")):
        module = importlib.import_module(f"tests.platform.{path.stem}")
        for name in (*getattr(module, "PAGES", ()), *getattr(module, "ACTIONS", ())):
            covered.setdefault(name, path.stem)
    return covered


def test_every_page_and_action_is_checked_in_chinese():
    urls = dict(_site_urls(get_resolver().url_patterns))
    covered = _covered()

    unnamed = sorted(route for name, route in urls.items() if not name)
    missing = sorted(set(urls) - set(covered) - set(NO_INTERFACE_TEXT) - {None})

    assert not unnamed, f"URL patterns without a name (a test cannot list them): {unnamed}"
    assert not missing, "pages with no Chinese test: " + ", ".join(
        f"{name} ({urls[name]})" for name in missing
    )


def test_the_lists_name_only_real_pages():
    # A renamed or removed page must leave the lists too, or they would cover nothing.
    names = set(dict(_site_urls(get_resolver().url_patterns)))
    assert set(_covered()) - names == set()
    assert set(NO_INTERFACE_TEXT) - names == set()
    assert len(_covered()) > 60
