from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Agreement, MOS, per-trainer and per-project figures, the trainer's "my work" page. Reads
    ``tasks``, ``rubrics`` and ``reviews``; nothing imports it."""

    name = "metrics"
    verbose_name = "Quality metrics"
