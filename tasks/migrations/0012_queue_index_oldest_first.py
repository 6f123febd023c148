# The queue's index gains created_at so that its order (priority, then oldest, then id) is one
# no other index gives: with task_priority_idx giving the same order, the planner could serve
# `next` from that index and read past every answered task first (see tasks.models).
#
# On PostgreSQL the new index is built CONCURRENTLY under a temporary name, the old one is
# dropped CONCURRENTLY and the new one takes its name: trainers keep working while a large
# table is indexed (a plain DROP + CREATE in one transaction would hold the table's exclusive
# lock for the whole build). Hence a non-atomic migration.

from django.db import migrations, models, transaction

OLD = models.Index(
    "project",
    models.F("priority").desc(),
    "id",
    name="task_queue_idx",
    condition=models.Q(available=True, is_gold=False),
)
NEW = models.Index(
    "project",
    models.F("priority").desc(),
    "created_at",
    "id",
    name="task_queue_idx",
    condition=models.Q(available=True, is_gold=False),
)
BUILDING = "task_queue_build_idx"


def _swap(apps, schema_editor, old: models.Index, new: models.Index) -> None:
    Task = apps.get_model("tasks", "Task")
    if schema_editor.connection.vendor != "postgresql":
        # Both or neither (the migration is not atomic): a re-run after an interruption
        # must still find the old index to drop.
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.remove_index(Task, old)
            schema_editor.add_index(Task, new)
        return
    building = new.clone()
    building.name = BUILDING
    # An interrupted earlier run may have left an invalid half-built index behind.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {BUILDING}")
    schema_editor.add_index(Task, building, concurrently=True)
    schema_editor.remove_index(Task, old, concurrently=True)
    schema_editor.rename_index(Task, building, new)


def forwards(apps, schema_editor):
    _swap(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _swap(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tasks", "0011_redundant_foreign_key_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.RemoveIndex(model_name="task", name="task_queue_idx"),
                migrations.AddIndex(model_name="task", index=NEW),
            ],
        )
    ]
