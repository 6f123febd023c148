"""Vacuum the queue's tables after a few thousand changed rows, not a fifth of the table.

Every lease and submit leaves a dead row version of its task and its lease behind, and the
partial indexes ``next`` reads (the tasks that can take a trainer; the live leases) keep
pointing at them until a vacuum. With PostgreSQL's default threshold (20% of the table)
a 1,000,000-task project would run 200,000 leases between vacuums, each ``next`` stepping
over more dead entries than the last. PostgreSQL only; SQLite has no such thing.
"""

from django.db import migrations

TABLES = {
    "tasks_task": {"autovacuum_vacuum_scale_factor": 0.0, "autovacuum_vacuum_threshold": 5000},
    "tasks_lease": {"autovacuum_vacuum_scale_factor": 0.0, "autovacuum_vacuum_threshold": 2000},
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in TABLES.items():
        settings = ", ".join(f"{name} = {value}" for name, value in options.items())
        schema_editor.execute(f"ALTER TABLE {table} SET ({settings})")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in TABLES.items():
        schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(options)})")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0009_task_text_side_table")]

    operations = [migrations.RunPython(forward, backward)]
