from django.apps import AppConfig


class QualityConfig(AppConfig):
    """The quality-inspection pipeline: check settings, runs, results and their jobs. Uses
    ``tasks``; the review workflow, ``metrics`` and ``exports`` read its results."""

    name = "quality"
    verbose_name = "Quality checks"

    def ready(self) -> None:
        # tasks never imports quality: it calls whatever registered for new revisions.
        from quality.services import checks_schedule
        from quality.views import project_page_links, submission_page_extension
        from tasks.services.hooks import on_project_links, on_submission_page, on_submission_saved

        on_submission_saved(checks_schedule)
        on_submission_page(submission_page_extension)
        on_project_links(project_page_links)
