"""Migration helpers shared by the apps' migrations (keep their behaviour stable: applied
migrations run them again on every new database)."""

from __future__ import annotations

from django.db import migrations


def drop_foreign_key_indexes(app_label: str, fields: list[tuple[str, str]]):
    """A migration operation that drops the single-column indexes Django made for these
    ``(model, field)`` foreign keys (reverse: makes them again), for fields changed to
    ``db_index=False``, paired with their ``AlterField`` state changes by
    ``SeparateDatabaseAndState``.

    Dropping just the index: Django's own ``AlterField`` rebuilds the whole table on
    SQLite, which would also drop the table's triggers (tasks_task has some).
    """

    def _each(apps, schema_editor):
        for model_name, field_name in fields:
            model = apps.get_model(app_label, model_name)
            yield model, model._meta.get_field(field_name)

    def forward(apps, schema_editor):
        for model, field in _each(apps, schema_editor):
            names = schema_editor._constraint_names(
                model, [field.column], index=True, unique=False, primary_key=False
            )
            for name in names:  # (only single-column indexes on exactly this column)
                schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def backward(apps, schema_editor):
        for model, field in _each(apps, schema_editor):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))

    return migrations.RunPython(forward, backward)
