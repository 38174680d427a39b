"""The database itself refuses to change or delete a signature or a withdrawal (see
``Signature``'s docstring for the one way a whole table may still be emptied)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

GUARDED = ("policies_signature", "policies_signaturewithdrawal")

# SQLite empties a table row by row in rowid order (a test database being flushed): only
# the oldest remaining row may go, so removing any other signature is refused, and a
# missing oldest signature shows against its ``signature.recorded`` audit event.
SQLITE_GUARD = [
    statement
    for table in GUARDED
    for statement in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'signatures cannot be changed'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        WHEN EXISTS (SELECT 1 FROM {table} WHERE id < OLD.id)
        BEGIN SELECT RAISE(ABORT, 'signatures cannot be deleted'); END""",
    )
]
SQLITE_UNGUARD = [
    f"DROP TRIGGER IF EXISTS {table}_{what}"
    for table in GUARDED
    for what in ("no_update", "no_delete")
]
# PostgreSQL refuses every UPDATE and DELETE; TRUNCATE (which row triggers do not see, and
# which the application never issues) is how a test database is emptied. docs/deploy.md
# says to withhold TRUNCATE from the application's database role.
POSTGRESQL_GUARD = [
    """CREATE FUNCTION policies_signature_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'signatures cannot be changed or deleted (% on %, row %)',
            TG_OP, TG_TABLE_NAME, OLD.id;
    END
    $$""",
    *(
        f"""CREATE TRIGGER {table}_permanent BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION policies_signature_permanent()"""
        for table in GUARDED
    ),
]
POSTGRESQL_UNGUARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_permanent ON {table}" for table in GUARDED),
    "DROP FUNCTION IF EXISTS policies_signature_permanent()",
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def guard(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_GUARD, "postgresql": POSTGRESQL_GUARD})


def unguard(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_UNGUARD, "postgresql": POSTGRESQL_UNGUARD})


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(guard, unguard)]
