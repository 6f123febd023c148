from django.apps import AppConfig


class RubricsConfig(AppConfig):
    """Rubrics, their versions and scoring. Depends on no other app of ours."""

    name = "rubrics"
    verbose_name = "Rubrics"
