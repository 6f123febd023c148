from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0013_project_remote_media_hosts"),
    ]

    operations = [
        # Drafts saved before this count as their first revision.
        migrations.AddField(
            model_name="draft",
            name="revision",
            field=models.PositiveIntegerField(default=1),
        ),
    ]
