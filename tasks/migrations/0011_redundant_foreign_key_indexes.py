"""Drop the foreign-key indexes that a composite index or unique constraint already
leads with (see the models): fewer index entries written by every lease and submit."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from annotation_platform.migration_ops import drop_foreign_key_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0010_queue_tables_autovacuum"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_foreign_key_indexes(
                    "tasks",
                    [
                        ("lease", "task"),
                        ("submission", "author"),
                        ("submission", "task"),
                        ("submissionrevision", "submission"),
                        ("task", "project"),
                        ("taskcounter", "project"),
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="lease",
                    name="task",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="leases",
                        to="tasks.task",
                    ),
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="author",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="submissions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="task",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="submissions",
                        to="tasks.task",
                    ),
                ),
                migrations.AlterField(
                    model_name="submissionrevision",
                    name="submission",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="revisions",
                        to="tasks.submission",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tasks",
                        to="tasks.project",
                    ),
                ),
                migrations.AlterField(
                    model_name="taskcounter",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tasks.project",
                    ),
                ),
            ],
        ),
    ]
