"""The quality pipeline's models now belong to ``quality`` (tables kept): state only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('quality', '0001_checks_moved_from_reviews'),
        ('reviews', '0003_redundant_foreign_key_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (db_table); only Django's model state moves.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='checkresult',
                    name='run',
                ),
                migrations.RemoveField(
                    model_name='checkresult',
                    name='submission',
                ),
                migrations.RemoveField(
                    model_name='checkrun',
                    name='submission',
                ),
                migrations.RemoveField(
                    model_name='goldoutcome',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='goldoutcome',
                    name='submission',
                ),
                migrations.RemoveField(
                    model_name='goldoutcome',
                    name='trainer',
                ),
                migrations.RemoveField(
                    model_name='nearduplicatesignature',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='nearduplicatesignature',
                    name='submission',
                ),
                migrations.DeleteModel(
                    name='CheckConfig',
                ),
                migrations.DeleteModel(
                    name='CheckResult',
                ),
                migrations.DeleteModel(
                    name='CheckRun',
                ),
                migrations.DeleteModel(
                    name='GoldOutcome',
                ),
                migrations.DeleteModel(
                    name='NearDuplicateSignature',
                ),
            ],
        ),
    ]
