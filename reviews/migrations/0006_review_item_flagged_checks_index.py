"""A GIN index on the queued items' flagged checks, so the queue filtered by one check
("near-duplicate flagged only") stays fast at 100,000 tasks: ``flagged_checks @> '["…"]'``
is answered from the index instead of scanning every queued item of the project.
PostgreSQL only; SQLite scans, which is fine for the small teams it serves."""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS review_item_flagged_idx ON reviews_reviewitem "
    "USING gin (flagged_checks jsonb_path_ops) WHERE status = 'queued'",
]
DROP = ["DROP INDEX IF EXISTS review_item_flagged_idx"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_reconsider")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
