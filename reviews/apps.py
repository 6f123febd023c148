from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """The review workflow. Uses ``tasks``, ``rubrics`` and the quality pipeline's results
    (``quality``), which tells it of finished runs through ``quality.hooks``."""

    name = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        # Neither tasks nor quality imports reviews: each calls whatever registered.
        from quality.hooks import on_checks_done, on_findings_links
        from reviews.review_views import (
            findings_page_links,
            project_page_links,
            submission_page_extension,
        )
        from reviews.workflow import review_items_sync
        from tasks.services.hooks import on_project_links, on_submission_page

        on_submission_page(submission_page_extension)
        on_project_links(project_page_links)
        on_checks_done(review_items_sync)
        on_findings_links(findings_page_links)
