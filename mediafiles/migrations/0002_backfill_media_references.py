"""Record the media keys existing tasks reference, so the media view (which serves a key
only to members of a project referencing it) keeps showing today's tasks their media."""

from django.db import migrations


def backfill(apps, schema_editor):
    from mediafiles.services import media_backfill

    media_backfill(
        task_model=apps.get_model("tasks", "Task"),
        template_model=apps.get_model("tasks", "TaskTemplate"),
        reference_model=apps.get_model("mediafiles", "MediaReference"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mediafiles", "0001_media_reference"),
        ("tasks", "0012_queue_index_oldest_first"),
    ]

    # Reversed, the references go with the table when 0001 is reversed.
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
