"""A trigram index on the task data's text, so "data contains 'topic-07:'" stays fast at a
million tasks. PostgreSQL only (pg_trgm ships with it); SQLite scans, which is fine for the
small teams it serves."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS task_data_trgm_idx ON tasks_task "
    "USING gin ((data::text) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS task_data_trgm_idx"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tasks", "0004_project_rubrics_and_guidelines")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
