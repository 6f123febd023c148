from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Streaming exports (JSONL, CSV, Parquet, training-ready shapes) as jobs. Reads ``tasks``,
    ``rubrics`` and ``reviews``."""

    name = "exports"
    verbose_name = "Exports"
