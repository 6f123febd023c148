from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Reviews, quality checks and metrics. Uses ``tasks`` and ``rubrics``."""

    name = "reviews"
    verbose_name = "Reviews and quality"

    def ready(self) -> None:
        # tasks never imports reviews: it calls whatever registered for new revisions.
        from reviews.review_views import project_page_links, submission_page_extension
        from reviews.services import checks_schedule
        from tasks.services.hooks import on_project_links, on_submission_page, on_submission_saved

        on_submission_saved(checks_schedule)
        on_submission_page(submission_page_extension)
        on_project_links(project_page_links)
