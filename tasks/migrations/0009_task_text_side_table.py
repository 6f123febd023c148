"""Move the task data's searchable text (and, on PostgreSQL, its trigram index) from
``tasks_task`` to its own table, ``tasks_tasktext``.

Every lease and submit rewrites the task row with ``state``/``available`` changed; those are
indexed, so the update is never HOT and each one inserted all the row's trigrams into
``task_data_trgm_idx`` again (~0.4 ms of database CPU per update at 100,000 tasks). The
side table is written only when a task is created or its data changes.

Triggers keep it in step, so no write path has to know about it: the ORM, bulk_create, the
importer's COPY (COPY fires row triggers) and the import's update mode. An update that
does not name ``data`` (the queue's counters) does not fire them, and one that sets the
same data again (bulk_update of a task whose priority alone changed) skips the rewrite.

Table, triggers and backfill are one migration: a task written between the backfill and
the triggers would have no text. The index is built after the backfill (a bulk GIN build
is much faster than 100,000 inserts into it). On SQLite, Django's table remake (some
``AlterField``/``AddField``/constraint migrations of ``Task``) drops the table's triggers:
such a migration must create ``SQLITE_TRIGGERS`` again (tests/tasks/test_task_text.py fails
if it does not).
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

POSTGRES_FORWARD = [
    # The same text the old index was on (jsonb's canonical text), so matches do not change.
    """
    CREATE FUNCTION tasks_tasktext_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO tasks_tasktext (task_id, text) VALUES (NEW.id, NEW.data::text)
        ON CONFLICT (task_id) DO UPDATE SET text = EXCLUDED.text;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER tasks_task_text_insert AFTER INSERT ON tasks_task "
    "FOR EACH ROW EXECUTE FUNCTION tasks_tasktext_sync()",
    "CREATE TRIGGER tasks_task_text_update AFTER UPDATE OF data ON tasks_task "
    "FOR EACH ROW WHEN (OLD.data IS DISTINCT FROM NEW.data) "
    "EXECUTE FUNCTION tasks_tasktext_sync()",
    "INSERT INTO tasks_tasktext (task_id, text) SELECT id, data::text FROM tasks_task",
    "CREATE INDEX task_text_trgm_idx ON tasks_tasktext USING gin (text gin_trgm_ops)",
    "DROP INDEX IF EXISTS task_data_trgm_idx",
    "ANALYZE tasks_tasktext",
]
POSTGRES_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS task_data_trgm_idx ON tasks_task "
    "USING gin ((data::text) gin_trgm_ops)",
    "DROP TRIGGER IF EXISTS tasks_task_text_update ON tasks_task",
    "DROP TRIGGER IF EXISTS tasks_task_text_insert ON tasks_task",
    "DROP FUNCTION IF EXISTS tasks_tasktext_sync()",
    # The table (and its index) goes with the reversed CreateModel.
]

# SQLite stores JSON as text (json.dumps, non-ASCII \u-escaped): the text the filter used
# to get from Cast(data, TextField()).
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER tasks_task_text_insert AFTER INSERT ON tasks_task FOR EACH ROW
    BEGIN
        INSERT INTO tasks_tasktext (task_id, text) VALUES (NEW.id, NEW.data)
        ON CONFLICT (task_id) DO UPDATE SET text = excluded.text;
    END
    """,
    """
    CREATE TRIGGER tasks_task_text_update AFTER UPDATE OF data ON tasks_task FOR EACH ROW
    WHEN OLD.data IS NOT NEW.data
    BEGIN
        INSERT INTO tasks_tasktext (task_id, text) VALUES (NEW.id, NEW.data)
        ON CONFLICT (task_id) DO UPDATE SET text = excluded.text;
    END
    """,
]
SQLITE_FORWARD = [
    *SQLITE_TRIGGERS,
    "INSERT INTO tasks_tasktext (task_id, text) SELECT id, data FROM tasks_task",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tasks_task_text_update",
    "DROP TRIGGER IF EXISTS tasks_task_text_insert",
]


def _run(postgres: list[str], sqlite: list[str]):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = {"postgresql": postgres, "sqlite": sqlite}.get(vendor)
        if statements is None:  # the project runs on PostgreSQL or SQLite, nothing else
            raise ImproperlyConfigured(
                f"Task text triggers exist for PostgreSQL and SQLite, not for {vendor}."
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tasks", "0008_task_external_id")]

    operations = [
        migrations.CreateModel(
            name="TaskText",
            fields=[
                (
                    "task",
                    models.OneToOneField(
                        on_delete=models.CASCADE,
                        primary_key=True,
                        related_name="search_text",
                        serialize=False,
                        to="tasks.task",
                    ),
                ),
                ("text", models.TextField()),
            ],
        ),
        migrations.RunPython(
            _run(POSTGRES_FORWARD, SQLITE_FORWARD), _run(POSTGRES_BACKWARD, SQLITE_BACKWARD)
        ),
    ]
