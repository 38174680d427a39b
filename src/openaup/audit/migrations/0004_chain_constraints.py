"""Every event chained: sequence and hash required and unique. The database itself refuses to
change an event, and to delete one (see docs/security.md, "Audit trail")."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

SQLITE_GUARD = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END""",
    # Only the oldest remaining event may go: that is how a whole-table DELETE proceeds
    # (emptying a test database), while removing any other event is refused. A chain that
    # does not start at sequence 1 fails verification.
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    WHEN EXISTS (SELECT 1 FROM audit_auditevent WHERE sequence < OLD.sequence)
    BEGIN SELECT RAISE(ABORT, 'audit events cannot be deleted'); END""",
]
SQLITE_UNGUARD = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]
POSTGRESQL_GUARD = [
    """CREATE FUNCTION audit_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit events cannot be changed or deleted (% of event %)',
            TG_OP, OLD.sequence;
    END
    $$""",
    """CREATE TRIGGER audit_event_immutable BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_immutable()""",
]
POSTGRESQL_UNGUARD = [
    "DROP TRIGGER IF EXISTS audit_event_immutable ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_event_immutable()",
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def guard(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_GUARD, "postgresql": POSTGRESQL_GUARD})


def unguard(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_UNGUARD, "postgresql": POSTGRESQL_UNGUARD})


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_existing_events")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["-sequence"]}),
        migrations.RunPython(guard, unguard),
    ]
