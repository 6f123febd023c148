from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0012_queue_index_oldest_first"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="remote_media_hosts",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Host names (or *.domain) whose images and audio load in this project.",
            ),
        ),
    ]
