from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0001_export_jobs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="exportjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="queued",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="exportjob",
            name="cancel_requested",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="exportjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="exportjob",
            name="worker",
            field=models.CharField(blank=True, help_text="Host and pid running it.", max_length=200),
        ),
        migrations.AddIndex(
            model_name="exportjob",
            index=models.Index(
                condition=models.Q(("status", "running")),
                fields=["heartbeat_at"],
                name="export_running_idx",
            ),
        ),
    ]
