"""The gallery's texts marked for the catalogs (tasks/gallery/labels.py) are the JSON's own."""

from __future__ import annotations

from tasks.gallery import gallery_templates
from tasks.gallery.labels import LABELS


def test_every_gallery_template_has_its_name_and_description_marked():
    shown = {starter.key: (starter.name, starter.description) for starter in gallery_templates()}

    assert shown == LABELS
