from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Reviews, quality checks and metrics. Uses ``tasks`` and ``rubrics``."""

    name = "reviews"
    verbose_name = "Reviews and quality"
