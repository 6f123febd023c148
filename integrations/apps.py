from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Signed webhooks with SSRF-safe delivery. Listens to the other apps' events; nothing
    imports it."""

    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Every other app announces its events; this one listens (nothing imports it).
        from exports.signals import export_finished
        from imports.signals import import_finished
        from integrations import receivers
        from integrations.views import project_page_links
        from reviews.signals import review_decided
        from tasks.services.hooks import on_project_links, on_submission_saved

        on_submission_saved(receivers.on_submission_saved)
        review_decided.connect(receivers.on_review_decided, dispatch_uid="integrations:review")
        import_finished.connect(receivers.on_import_finished, dispatch_uid="integrations:import")
        export_finished.connect(receivers.on_export_finished, dispatch_uid="integrations:export")
        on_project_links(project_page_links)
