"""Triggers that tell every web process when an API token or a user changes, so a process
may remember the tokens it verified (``accounts.token_cache``). PostgreSQL only: the cache
is used nowhere else."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION accounts_api_token_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Using a token writes its last_used_at, logging in a user's last_login: neither
    -- changes whether a token is good, and both are frequent.
    IF TG_OP = 'UPDATE' THEN
        IF (to_jsonb(OLD) - 'last_used_at' - 'last_login')
                IS NOT DISTINCT FROM (to_jsonb(NEW) - 'last_used_at' - 'last_login') THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM pg_notify('api_token_changes', '');
    RETURN NULL;
END
$$;
"""
TABLES = ("accounts_apitoken", "accounts_user")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_changed AFTER UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION accounts_api_token_changed()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION accounts_api_token_changed()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_truncated ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS accounts_api_token_changed()")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_token_scope")]

    operations = [migrations.RunPython(create, drop)]
