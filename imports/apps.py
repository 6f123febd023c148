from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Bulk task import (JSON, JSON Lines, CSV) as jobs with progress. Uses ``tasks``."""

    name = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from imports.views import project_page_links
        from tasks.services.hooks import on_project_links

        on_project_links(project_page_links)
