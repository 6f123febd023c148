from django.apps import AppConfig


class MediafilesConfig(AppConfig):
    """Which project's tasks reference which media key, and the view that serves media by
    that rule. Uses ``tasks``; ``tasks`` tells it of task data and templates written through
    ``tasks.services.hooks`` and never imports it."""

    name = "mediafiles"
    verbose_name = "Media files"

    def ready(self) -> None:
        from mediafiles.services import media_record_for_template, media_record_from_tasks
        from tasks.services.hooks import on_task_data_saved, on_template_saved

        on_task_data_saved(media_record_from_tasks)
        on_template_saved(media_record_for_template)
