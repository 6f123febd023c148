from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Streaming exports (JSONL, CSV, Parquet, training-ready shapes) as jobs. Reads ``tasks``,
    ``rubrics`` and ``reviews``."""

    name = "exports"
    verbose_name = "Exports"

    def ready(self) -> None:
        from exports.views import project_page_links
        from tasks.services.hooks import on_project_links

        on_project_links(project_page_links)
