"""Chain the events written before the chain existed, in the order they were written."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from openaup.audit.chain import CHAINED_FIELDS, GENESIS, event_hash


def chain_existing(apps: Any, schema_editor: Any) -> None:
    event_model = apps.get_model("audit", "AuditEvent")
    prev_hash = GENESIS
    for sequence, event in enumerate(event_model.objects.order_by("id").iterator(), start=1):
        event.sequence = sequence
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_hash({name: getattr(event, name) for name in CHAINED_FIELDS})
        event_model.objects.filter(pk=event.pk).update(
            sequence=event.sequence, prev_hash=event.prev_hash, hash=event.hash
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_fields")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
