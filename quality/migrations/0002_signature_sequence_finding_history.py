"""Signatures carry their run's sequence; re-judgments keep their history."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('quality', '0001_checks_moved_from_reviews'),
    ]

    operations = [
        migrations.AddField(
            model_name='nearduplicatesignature',
            name='sequence',
            field=models.BigIntegerField(default=0),
        ),
        migrations.CreateModel(
            name='FindingChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('previous_status', models.CharField(choices=[('pass', 'Pass'), ('warn', 'Warning'), ('fail', 'Fail'), ('error', 'Error')], max_length=8)),
                ('previous_findings', models.JSONField(default=list)),
                ('status', models.CharField(choices=[('pass', 'Pass'), ('warn', 'Warning'), ('fail', 'Fail'), ('error', 'Error')], max_length=8)),
                ('findings', models.JSONField(default=list)),
                ('reason', models.CharField(choices=[('earlier_checked', 'An earlier submission was checked after this one'), ('new_answer', 'Another answer to the same task arrived')], max_length=32)),
                ('changed_at', models.DateTimeField(auto_now_add=True)),
                ('cause', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='quality.checkrun')),
                ('result', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='quality.checkresult')),
            ],
            options={
                'ordering': ['result_id', 'id'],
            },
        ),
    ]
