from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_import_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importjob",
            name="worker",
            field=models.CharField(blank=True, help_text="Host and pid running it.", max_length=200),
        ),
        migrations.AddField(
            model_name="importjob",
            name="db_backend",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddIndex(
            model_name="importjob",
            index=models.Index(
                condition=models.Q(("status", "running")),
                fields=["heartbeat_at"],
                name="import_running_idx",
            ),
        ),
    ]
