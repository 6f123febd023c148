"""The translation catalogs (locale/*/LC_MESSAGES/django.po) compile, are complete, and a
fresh machine without gettext still compiles them (accounts compile_locale, polib)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from accounts.management.commands.compile_locale import catalogs
from tests.i18n import back_to_english, compile_catalogs  # noqa: F401 (an autouse fixture)

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ("zh_Hans", "zh_Hant")
IGNORED = [".venv", "staticfiles", "static/*", "benchmarks", "tests", "build", "node_modules"]


def _django_po(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_empty_or_fuzzy_entry(language):
    po = polib.pofile(str(_django_po(language)))

    empty = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]

    assert len(po) > 300
    assert not empty, f"{language}: untranslated: {empty[:10]}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy[:10]}"
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_keeps_every_placeholder_and_tag(language):
    # msgfmt --check-format checks %-placeholders; markup inside blocktranslate too.
    import re

    for entry in polib.pofile(str(_django_po(language))):
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        for pattern in (r"%\(\w+\)s", r"<[^>]+>"):
            assert sorted(re.findall(pattern, entry.msgid)) == sorted(
                re.findall(pattern, translated)
            ), f"{language}: {entry.msgid!r} -> {translated!r}"


def test_hong_kong_catalog_uses_hong_kong_words_and_quotes():
    po = polib.pofile(str(_django_po("zh_Hant")))
    text = "\n".join(entry.msgstr for entry in po)

    for mainland_or_taiwan in ("“", "”", "使用者", "登錄", "軟體", "網路", "专案", "專案"):
        assert mainland_or_taiwan not in text, mainland_or_taiwan
    assert "登入" in text and "用戶" in text and "「" in text


def test_every_marked_string_is_in_the_catalogs():
    # makemessages writes into the project's locale/ whatever LOCALE_PATHS says (each source
    # file goes to the locale/ of the folder that holds it, the project root's here), so the
    # real catalogs are refreshed from the code as a developer would, read, and then put
    # back byte for byte: the test leaves the checkout as it found it.
    committed = {language: _django_po(language).read_bytes() for language in LANGUAGES}
    cwd = os.getcwd()
    os.chdir(settings.BASE_DIR)
    try:
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            domain="django",
            ignore_patterns=IGNORED,
            no_obsolete=True,
            verbosity=0,
        )
        refreshed = {language: polib.pofile(str(_django_po(language))) for language in LANGUAGES}
    finally:
        os.chdir(cwd)
        for language, content in committed.items():
            _django_po(language).write_bytes(content)

    # then: nothing new is left untranslated
    for language, po in refreshed.items():
        assert len(po) > 300
        missing = [entry.msgid for entry in po if not entry.translated()]
        assert not missing, f"{language}: marked but not translated: {missing[:10]}"


def test_compile_locale_without_msgfmt_serves_chinese(tmp_path, settings):
    # given: a fresh checkout's catalogs and no gettext on the machine
    for language in LANGUAGES:
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(_django_po(language), target / "django.po")
    settings.LOCALE_PATHS = [tmp_path]

    # when
    call_command("compile_locale", use_polib=True)

    # then
    for language in LANGUAGES:
        assert (tmp_path / language / "LC_MESSAGES" / "django.mo").stat().st_size > 1000
    compile_catalogs_from(tmp_path)
    with translation.override("zh-hans"):
        assert translation.gettext("Start working") == "开始标注"
    with translation.override("zh-hant"):
        assert translation.gettext("Log in") == "登入"
    compile_catalogs()  # back to the project's own


def compile_catalogs_from(path: Path) -> None:
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None


def test_compile_locale_skips_catalogs_that_did_not_change(tmp_path, settings):
    target = tmp_path / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = target / "django.po"
    shutil.copy(_django_po("zh_Hans"), po)
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compile_locale")
    mo = po.with_suffix(".mo")
    first = mo.stat().st_mtime_ns

    time.sleep(0.01)
    call_command("compile_locale")
    assert mo.stat().st_mtime_ns == first

    os.utime(po, None)  # the .po changed
    call_command("compile_locale")
    assert mo.stat().st_mtime_ns > first


def test_every_catalog_is_found():
    found = {(path.parent.parent.name, path.name) for path in catalogs()}

    assert {(language, "django.po") for language in LANGUAGES} <= found


def test_compiled_files_are_not_committed():
    ignored = (Path(settings.BASE_DIR) / ".gitignore").read_text()

    assert "*.mo" in ignored.splitlines()
