"""On PostgreSQL, refuse UPDATE and DELETE of issued invoices and their lines in the
database itself, whatever code (or person with a SQL prompt) asks. Every stored invoice
is issued, so every row is protected. TRUNCATE (test database flushes) is not a row
change and stays possible; so does disabling the trigger as the table's owner, which is
what `verify_invoices` is there to catch."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION billing_issued_is_final() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'issued invoices are final: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
"""
TABLES = ("billing_invoice", "billing_invoiceline")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_final BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION billing_issued_is_final()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_final ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS billing_issued_is_final()")


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_invoices")]

    operations = [migrations.RunPython(create, drop)]
