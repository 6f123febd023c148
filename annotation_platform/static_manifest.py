"""Is the staticfiles manifest there and current? With ``DEBUG`` off, static files are
served under hashed names from ``STATIC_ROOT/staticfiles.json``; a page that names a file
missing from it is a 500 (``Missing staticfiles manifest entry``), and a process reads the
manifest once, when it starts.

So the production start path (gunicorn.conf.py's ``on_starting`` and ``on_reload``) runs

    python -m annotation_platform.static_manifest --ensure

before any worker starts: it collects the static files when the manifest is missing or
older than a source file, and exits non-zero (gunicorn refuses to start) if that fails.
``--check`` only reports (exit 1 unless current). It runs in its own process so that the
gunicorn master never loads a storage (and an empty manifest) that its workers would
inherit. ``/healthz`` reports a process that loaded no manifest (annotation_platform.health).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from enum import StrEnum
from pathlib import Path

from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.utils.module_loading import import_string

# A fixed name: run as ``python -m`` this module is ``__main__``.
logger = logging.getLogger("annotation_platform.static_manifest")

# collectstatic's own default ignore patterns.
IGNORE_PATTERNS = ["CVS", ".*", "*~"]


class ManifestState(StrEnum):
    CURRENT = "current"
    MISSING = "missing"
    OUTDATED = "outdated"
    NOT_USED = "not used"  # the storage does not serve hashed names (DEBUG)


def _storage_class() -> type:
    # The class, not the instance: instantiating reads the manifest and fails on a corrupt one.
    return import_string(settings.STORAGES[STATICFILES_STORAGE_ALIAS]["BACKEND"])


def uses_manifest() -> bool:
    return issubclass(_storage_class(), ManifestFilesMixin)


def manifest_path() -> Path:
    return Path(settings.STATIC_ROOT) / _storage_class().manifest_name


def _source_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(IGNORE_PATTERNS):
            # The first finder to list a path wins, as in collectstatic.
            found.setdefault(path.replace(os.sep, "/"), Path(storage.path(path)))
    return found


def manifest_state() -> ManifestState:
    """Compare the manifest on disk with the source static files (a few hundred stats)."""
    if not uses_manifest():
        return ManifestState.NOT_USED
    manifest = manifest_path()
    try:
        written = manifest.stat().st_mtime
        paths = json.loads(manifest.read_text())["paths"]
    except (OSError, ValueError, KeyError, TypeError):
        return ManifestState.MISSING
    for name, source in _source_files().items():
        if name not in paths or source.stat().st_mtime > written:
            return ManifestState.OUTDATED
    return ManifestState.CURRENT


def ensure_collected() -> ManifestState:
    """Run collectstatic when the manifest is missing or outdated; the state afterwards."""
    from django.core.management import call_command

    state = manifest_state()
    if state in (ManifestState.MISSING, ManifestState.OUTDATED):
        logger.warning("static files: manifest %s, running collectstatic", state)
        # A corrupt manifest would make collectstatic's own storage fail to load.
        manifest_path().unlink(missing_ok=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        state = manifest_state()
    log = logger.info if state in (ManifestState.CURRENT, ManifestState.NOT_USED) else logger.error
    log("static files: manifest %s", state)
    return state


def main(argv: list[str]) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation_platform.settings")
    django.setup()
    if argv[1:] == ["--ensure"]:
        state = ensure_collected()
    elif argv[1:] == ["--check"]:
        state = manifest_state()
        print(f"static files: manifest {state}")
    else:
        print("usage: python -m annotation_platform.static_manifest --ensure|--check")
        return 2
    return 0 if state in (ManifestState.CURRENT, ManifestState.NOT_USED) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
