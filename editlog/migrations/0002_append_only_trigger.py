"""On PostgreSQL the database itself refuses UPDATE and DELETE on the Edit Log."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION editlog_change_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The Edit Log is append-only: a Change cannot be altered or deleted'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER editlog_change_append_only
    BEFORE UPDATE OR DELETE ON editlog_change
    FOR EACH ROW EXECUTE FUNCTION editlog_change_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS editlog_change_append_only ON editlog_change;
DROP FUNCTION IF EXISTS editlog_change_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("editlog", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
