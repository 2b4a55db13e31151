"""The ledger is append-only: on PostgreSQL a trigger refuses every UPDATE or DELETE of its rows,
whatever the code path (ORM .update(), raw SQL, the admin). Corrections are reversing entries."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION renovations_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'renovations_ledgerentry is append-only: % refused (record a reversing entry)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS renovations_ledger_append_only ON renovations_ledgerentry;
CREATE TRIGGER renovations_ledger_append_only
    BEFORE UPDATE OR DELETE ON renovations_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION renovations_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS renovations_ledger_append_only ON renovations_ledgerentry;
DROP FUNCTION IF EXISTS renovations_ledger_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("renovations", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
