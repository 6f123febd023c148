"""The quality pipeline's models, moved from ``reviews`` with their tables: state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('reviews', '0003_redundant_foreign_key_indexes'),
        ('tasks', '0012_queue_index_oldest_first'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (db_table); only Django's model state moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CheckRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('revision', models.PositiveIntegerField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('done', 'Done')], default='pending', max_length=16)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('submission', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='check_runs', to='tasks.submission')),
                    ],
                    options={
                        'db_table': 'reviews_checkrun',
                        'ordering': ['submission_id', 'revision'],
                    },
                ),
                migrations.CreateModel(
                    name='CheckResult',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('revision', models.PositiveIntegerField()),
                        ('check_name', models.CharField(max_length=64)),
                        ('status', models.CharField(choices=[('pass', 'Pass'), ('warn', 'Warning'), ('fail', 'Fail'), ('error', 'Error')], max_length=8)),
                        ('findings', models.JSONField(default=list)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('submission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='check_results', to='tasks.submission')),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='results', to='quality.checkrun')),
                    ],
                    options={
                        'db_table': 'reviews_checkresult',
                        'ordering': ['submission_id', 'revision', 'check_name'],
                    },
                ),
                migrations.CreateModel(
                    name='GoldOutcome',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('correct', models.BooleanField()),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.project')),
                        ('submission', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='gold_outcome', to='tasks.submission')),
                        ('trainer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'reviews_goldoutcome',
                    },
                ),
                migrations.CreateModel(
                    name='NearDuplicateSignature',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('question_id', models.CharField(max_length=64)),
                        ('trainer_id', models.BigIntegerField()),
                        ('task_id', models.BigIntegerField()),
                        ('signature', models.BinaryField()),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.project')),
                        ('submission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.submission')),
                    ],
                    options={
                        'db_table': 'reviews_nearduplicatesignature',
                    },
                ),
                migrations.CreateModel(
                    name='CheckConfig',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('check_name', models.CharField(max_length=64)),
                        ('enabled', models.BooleanField(default=True)),
                        ('config', models.JSONField(blank=True, default=dict)),
                        ('on_fail', models.CharField(choices=[('nothing', 'Record only'), ('flag', 'Flag for review'), ('return', 'Return to the trainer with the reasons')], default='flag', max_length=16)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='check_configs', to='tasks.project')),
                    ],
                    options={
                        'db_table': 'reviews_checkconfig',
                        'ordering': ['project_id', 'check_name'],
                        'constraints': [models.UniqueConstraint(fields=('project', 'check_name'), name='check_config_once')],
                    },
                ),
                migrations.AddIndex(
                    model_name='checkrun',
                    index=models.Index(condition=models.Q(('status', 'pending')), fields=['created_at'], name='check_run_pending_idx'),
                ),
                migrations.AddConstraint(
                    model_name='checkrun',
                    constraint=models.UniqueConstraint(fields=('submission', 'revision'), name='check_run_once'),
                ),
                migrations.AddIndex(
                    model_name='checkresult',
                    index=models.Index(fields=['check_name', 'status'], name='check_result_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='checkresult',
                    constraint=models.UniqueConstraint(fields=('run', 'check_name'), name='check_result_once'),
                ),
                migrations.AddIndex(
                    model_name='goldoutcome',
                    index=models.Index(fields=['project', 'trainer'], name='gold_outcome_trainer_idx'),
                ),
                migrations.AddIndex(
                    model_name='nearduplicatesignature',
                    index=models.Index(fields=['project', 'id'], name='near_duplicate_project_idx'),
                ),
                migrations.AddConstraint(
                    model_name='nearduplicatesignature',
                    constraint=models.UniqueConstraint(fields=('submission', 'question_id'), name='near_duplicate_signature_once'),
                ),
            ],
        ),
    ]
