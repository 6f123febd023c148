"""The JavaScript's translations: every string the scripts in static/js mark has a Chinese
translation in both djangojs catalogs, and /jsi18n/ serves them per language, built once per
catalog version and cacheable by the browser (annotation_platform/js_catalog.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from unittest import mock

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.views.i18n import JavaScriptCatalog

from annotation_platform import js_catalog

JS_DIR = Path(settings.BASE_DIR) / "static" / "js"
LANGUAGES = ("zh_Hans", "zh_Hant")
PLACEHOLDER = re.compile(r"%\(\w+\)s")
STRING = r'"((?:[^"\\]|\\.)*)"'
# gettext("...") and ngettext("...", "...", n): what makemessages extracts from our scripts.
CALL = re.compile(r"(?<![\w.])(gettext|ngettext)\(\s*" + STRING + r"(?:\s*,\s*" + STRING + ")?")
ANY_CALL = re.compile(r"(?<![\w.])(n?gettext)\(\s*(.)")
FROM_WINDOW = "const { gettext, ngettext, interpolate } = window;"


def scripts() -> list[Path]:
    return sorted(JS_DIR.glob("*.js"))


def script_strings() -> dict[str, str | None]:
    """Every msgid the scripts mark, with its plural form (None for gettext)."""
    found: dict[str, str | None] = {}
    for path in scripts():
        for kind, one, many in CALL.findall(path.read_text(encoding="utf-8")):
            text = json.loads(f'"{one}"')
            found[text] = json.loads(f'"{many}"') if kind == "ngettext" else None
    return found


def catalog(language: str) -> polib.POFile:
    return polib.pofile(
        str(Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "djangojs.po")
    )


# --- the catalogs -------------------------------------------------------------------------


def test_scripts_mark_their_strings():
    strings = script_strings()
    # The workspace's save status and counters are among them (a broken pattern finds none).
    assert {"Saved", "Saving…", "%(count)s character", "%(count)s span"} <= strings.keys()
    assert strings["%(count)s word"] == "%(count)s words"
    assert len(strings) > 200


@pytest.mark.parametrize("path", scripts(), ids=lambda p: p.name)
def test_scripts_pass_only_string_literals_to_gettext(path):
    # makemessages reads literals only: gettext(variable) would never be translated.
    source = path.read_text(encoding="utf-8")
    for match in ANY_CALL.finditer(source):
        line = source[: match.start()].count("\n") + 1
        assert match.group(2) == '"', f"{path.name}:{line}: {match.group(1)}() of a non-literal"


@pytest.mark.parametrize("path", scripts(), ids=lambda p: p.name)
def test_scripts_that_translate_take_the_functions_from_the_page(path):
    # One copy of the fallbacks (i18n.js), not one per script.
    source = path.read_text(encoding="utf-8")
    if CALL.search(source) and path.name != "i18n.js":
        assert FROM_WINDOW in source, f"{path.name} lacks: {FROM_WINDOW}"
        assert "window.gettext ?" not in source, f"{path.name} carries its own fallbacks"


def test_base_loads_the_fallbacks_after_the_catalog():
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text(encoding="utf-8")
    catalog_at = base.index("{% url 'javascript-catalog' %}")
    assert catalog_at < base.index("js/i18n.js") < base.index("{% block scripts %}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_script_string_is_translated(language):
    po = catalog(language)
    entries = {entry.msgid: entry for entry in po if not entry.obsolete}
    assert po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    problems = []
    for msgid, plural in script_strings().items():
        entry = entries.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r} (run makemessages -d djangojs)")
            continue
        translated = entry.msgstr_plural.get(0, "") if plural else entry.msgstr
        if "fuzzy" in entry.flags or not translated.strip():
            problems.append(f"untranslated: {msgid!r}")
        elif sorted(set(PLACEHOLDER.findall(translated))) != sorted(
            set(PLACEHOLDER.findall(msgid))
        ):
            problems.append(f"placeholders differ: {msgid!r} -> {translated!r}")
        elif plural and entry.msgid_plural != plural:
            problems.append(f"plural form changed: {msgid!r}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_hold_no_string_the_scripts_dropped(language):
    stale = {e.msgid for e in catalog(language) if not e.obsolete} - script_strings().keys()
    assert stale == set()


def test_hong_kong_catalog_uses_hong_kong_words_and_corner_quotes():
    hans = {e.msgid: e.msgstr or e.msgstr_plural.get(0, "") for e in catalog("zh_Hans")}
    hant = {e.msgid: e.msgstr or e.msgstr_plural.get(0, "") for e in catalog("zh_Hant")}
    assert hans["Saved"] == "已保存" and hant["Saved"] == "已儲存"
    assert hant["Logging in failed (%(status)s)."].startswith("登入")
    for msgid, text in hant.items():
        assert "“" not in text and "”" not in text, msgid  # 「」 in Hong Kong
        for mainland in ("登录", "账户", "数据", "文件", "信息", "设置"):
            assert mainland not in text, (msgid, mainland)


# --- the view -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled():
    call_command("compile_locale", verbosity=0)


def served_catalog(response) -> dict:
    text = response.content.decode()
    body = re.search(r"const newcatalog = (\{.*?\n\s*\});", text, re.S)
    return json.loads(body.group(1)) if body else {}


@pytest.fixture
def fresh():
    js_catalog.clear_cache()
    yield
    js_catalog.clear_cache()


@pytest.mark.parametrize(
    ("language", "saved", "span"),
    [("zh-hans", "已保存", "%(count)s 个片段"), ("zh-hant", "已儲存", "%(count)s 個片段")],
)
def test_catalog_serves_the_asked_language(compiled, fresh, language, saved, span):
    # The browser asks in English; the URL's language wins (the page chose it).
    response = Client().get(f"/jsi18n/?lang={language}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Language"] == language
    served = served_catalog(response)
    assert served["Saved"] == saved
    assert served["%(count)s span"] == [span]
    assert "globals.interpolate = django.interpolate" in response.content.decode()


def test_english_catalog_has_no_translations(compiled, fresh):
    response = Client().get("/jsi18n/?lang=en", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response["Content-Language"] == "en"
    assert "Saved" not in served_catalog(response)


def test_without_a_language_it_follows_the_request_and_varies(compiled, fresh):
    for query in ("", "?lang=klingon"):
        response = Client().get(f"/jsi18n/{query}", HTTP_ACCEPT_LANGUAGE="zh-HK")
        assert response["Content-Language"] == "zh-hant"
        assert served_catalog(response)["Saved"] == "已儲存"
        assert "Accept-Language" in response["Vary"]


def test_catalog_is_cacheable_and_revalidates(compiled, fresh):
    client = Client()
    first = client.get("/jsi18n/?lang=zh-hans")
    assert "max-age=3600" in first["Cache-Control"]
    assert "Last-Modified" in first
    again = client.get("/jsi18n/?lang=zh-hans", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    assert again.content == b""


def test_catalog_is_built_once_per_language_and_version(compiled, fresh, tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(Path(settings.BASE_DIR) / "locale", locale)
    original = JavaScriptCatalog.get
    with (
        override_settings(LOCALE_PATHS=[locale]),
        mock.patch.object(JavaScriptCatalog, "get", autospec=True, side_effect=original) as build,
    ):
        client = Client()
        for _ in range(3):
            response = client.get("/jsi18n/?lang=zh-hans")
            assert served_catalog(response)["Saved"] == "已保存"
        client.get("/jsi18n/?lang=zh-hant")
        assert build.call_count == 2
        # A deploy compiles new catalogs: the next request builds the new version, and a
        # browser revalidating with the old date gets it instead of a 304.
        mo = locale / "zh_Hans" / "LC_MESSAGES" / "djangojs.mo"
        later = mo.stat().st_mtime + 60
        os.utime(mo, (later, later))
        renewed = client.get(
            "/jsi18n/?lang=zh-hans", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
        )
        assert renewed.status_code == 200
        assert renewed["Last-Modified"] != response["Last-Modified"]
        assert build.call_count == 3


def test_catalog_is_allowed_by_the_content_policy(compiled, fresh):
    response = Client().get("/jsi18n/?lang=zh-hans")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "language"), [("zh-CN", "zh-hans"), ("zh-HK", "zh-hant"), ("en", "en")]
)
def test_every_page_loads_the_catalog_first(accept, language):
    html = Client().get("/account/login/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    first_script = re.search(r"<script[^>]*>", html).group(0)
    assert first_script == f'<script src="/jsi18n/?lang={language}" defer>'
    assert html.index(first_script) < html.index("</head>")
