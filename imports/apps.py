from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Bulk task import (JSON, JSON Lines, CSV) as jobs with progress. Uses ``tasks``."""

    name = "imports"
    verbose_name = "Imports"
