import importlib
import importlib.util

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Signed webhooks with SSRF-safe delivery. Listens to the other apps' events; nothing
    imports it."""

    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations import receivers
        from tasks.services.hooks import on_submission_saved

        on_submission_saved(receivers.on_submission_saved)
        for module_name, signal_name, receiver in receivers.SIGNAL_RECEIVERS:
            try:
                spec = importlib.util.find_spec(module_name)
            except ModuleNotFoundError:  # not even the app is there
                spec = None
            if spec is None:
                continue  # that app has not added its signal yet
            signal = getattr(importlib.import_module(module_name), signal_name, None)
            if signal is not None:
                signal.connect(receiver, dispatch_uid=f"integrations:{signal_name}")
        from integrations.views import project_page_links
        from tasks.services.hooks import on_project_links

        on_project_links(project_page_links)
