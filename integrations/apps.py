from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Signed webhooks with SSRF-safe delivery. Listens to the other apps' events; nothing
    imports it."""

    name = "integrations"
    verbose_name = "Integrations"
