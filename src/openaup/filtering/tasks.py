"""Background jobs of the filtering app; each takes ids and calls a service, in
``aup worker``."""

from __future__ import annotations

from django_tasks import task

from openaup.core.context import acting_as
from openaup.filtering.models import PolicyRevision
from openaup.filtering.services import publishing

__all__ = ["compile_policy"]


@task()
def compile_policy(revision_id: int) -> dict[str, object]:
    """Compile a published revision into the snapshot and put it live."""
    revision = PolicyRevision.objects.get(pk=revision_id)
    with acting_as(actor_repr="filter compile", channel="job"):
        revision = publishing.compile_revision(revision=revision)
    return {
        "revision": revision.number,
        "status": revision.status,
        "seconds": revision.compile_seconds,
        "error": revision.error,
    }
