from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Agreement, MOS, per-trainer and per-project figures, the trainer's "my work" page. Reads
    ``tasks``, ``rubrics`` and ``reviews``; nothing imports it."""

    name = "metrics"
    verbose_name = "Quality metrics"

    def ready(self) -> None:
        # tasks never imports metrics: a submit only calls what registered here, which
        # marks the project's snapshot stale after the commit (no computation on submit).
        from metrics.services.snapshots import metrics_mark_stale, metrics_mark_stale_on_decision
        from reviews.signals import review_decided
        from tasks.services.hooks import on_submission_saved

        on_submission_saved(metrics_mark_stale)
        review_decided.connect(metrics_mark_stale_on_decision, dispatch_uid="metrics-stale")
        from metrics.views import project_page_links
        from tasks.services.hooks import on_project_links

        on_project_links(project_page_links)
