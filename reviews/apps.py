from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Reviews, quality checks and metrics. Uses ``tasks`` and ``rubrics``."""

    name = "reviews"
    verbose_name = "Reviews and quality"

    def ready(self) -> None:
        # tasks never imports reviews: it calls whatever registered for new revisions.
        from reviews.services import checks_schedule
        from tasks.services.hooks import on_submission_saved

        on_submission_saved(checks_schedule)
