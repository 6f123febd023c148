"""Compile the translation catalogs (locale/*/LC_MESSAGES/*.po) that changed.

GNU gettext's ``msgfmt`` when the machine has it (Django's ``compilemessages`` needs it, and
it checks the %-placeholders of every entry), else polib, so a fresh machine without gettext
still serves Chinese after ``make run``. A catalog whose .mo is newer than its .po is left
alone: running this on every ``make run``/``make test`` costs nothing when nothing changed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogs() -> list[Path]:
    return sorted(
        po for folder in settings.LOCALE_PATHS for po in Path(folder).glob("*/LC_MESSAGES/*.po")
    )


def compile_catalog(po: Path, *, msgfmt: str | None) -> None:
    mo = po.with_suffix(".mo")
    if msgfmt:
        result = subprocess.run(  # noqa: S603 - a fixed program on our own files
            [msgfmt, "--check-format", "-o", str(mo), str(po)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise CommandError(f"{po}: {result.stderr.strip()}")
        return
    import polib  # only where msgfmt is missing

    try:
        polib.pofile(str(po)).save_as_mofile(str(mo))
    except (OSError, ValueError) as exc:
        raise CommandError(f"{po}: {exc}") from exc


class Command(BaseCommand):
    help = "Compile the translation catalogs in LOCALE_PATHS that changed (msgfmt, else polib)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Compile every catalog.")
        parser.add_argument(
            "--use-polib", action="store_true", help="Compile with polib even if msgfmt exists."
        )

    def handle(self, *args, force: bool = False, use_polib: bool = False, **options) -> None:
        msgfmt = None if use_polib else shutil.which("msgfmt")
        compiled = 0
        for po in catalogs():
            mo = po.with_suffix(".mo")
            if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            compile_catalog(po, msgfmt=msgfmt)
            compiled += 1
        if compiled:
            tool = "msgfmt" if msgfmt else "polib"
            self.stdout.write(f"Compiled {compiled} catalog(s) with {tool}.")
