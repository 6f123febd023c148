"""Drop the foreign-key indexes that a composite index or unique constraint already
leads with (see the models): fewer index entries written by every lease and submit."""

import django.db.models.deletion
from django.db import migrations, models

from annotation_platform.migration_ops import drop_foreign_key_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_review_workflow"),
        ("tasks", "0011_redundant_foreign_key_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_foreign_key_indexes("reviews", [("checkrun", "submission")])],
            state_operations=[
                migrations.AlterField(
                    model_name="checkrun",
                    name="submission",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="check_runs",
                        to="tasks.submission",
                    ),
                ),
            ],
        ),
    ]
