"""Background jobs of the filtering app; each takes ids and calls a service, in
``aup worker``."""

from __future__ import annotations

from django_tasks import task

from openaup.core.context import acting_as
from openaup.filtering.models import PolicyRevision
from openaup.filtering.services import publishing

__all__ = [
    "compile_policy",
    "expire_overrides",
    "notify_review_request",
    "refresh_people_profiles",
    "update_due_list_sources",
    "update_list_source",
    "write_dns_zones",
]


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


@task()
def notify_review_request(request_id: int) -> dict[str, object]:
    """Email those who decide a new unblock request (away from the block page's request)."""
    from openaup.filtering.services.requests import notify_approvers

    with acting_as(actor_repr="unblock request notice", channel="job"):
        sent = notify_approvers(request_id)
    return {"request": request_id, "sent": len(sent)}


@task()
def write_dns_zones(revision_number: int) -> dict[str, object]:
    """Write the DNS zones of a live revision (``OPENAUP_FILTER_DNS_ZONES``)."""
    revision = PolicyRevision.objects.get(number=revision_number)
    with acting_as(actor_repr="filter DNS zones", channel="job"):
        written = publishing.write_dns_zones(revision=revision)
    return {"revision": revision.number, "blocked": written}


@task()
def update_list_source(
    source_id: int, requested_by_id: int | None = None, force: bool = False
) -> dict[str, object]:
    """Update one list source now, as asked from its page or the API."""
    from openaup.accounts.models import User
    from openaup.filtering.models import ListSource
    from openaup.filtering.services.lists import update_source

    source = ListSource.objects.get(pk=source_id)
    actor = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    with acting_as(actor=actor, actor_repr="" if actor else "list update", channel="job"):
        outcome = update_source(actor=actor, source=source, force=force)
    return {"ok": outcome.ok, "changed": outcome.changed, "message": outcome.message}


@task()
def update_due_list_sources(period: str = "") -> dict[str, object]:
    """Update every list source whose ``update_hours`` have passed; ``period`` lets the
    scheduler enqueue it once an hour."""
    from openaup.filtering.services.lists import update_due_sources

    with acting_as(actor_repr="scheduled list update", channel="job"):
        outcomes = update_due_sources()
    return {
        "updated": sum(o.changed for o in outcomes),
        "failed": [o.message for o in outcomes if not o.ok],
    }


@task()
def expire_overrides(period: str = "") -> dict[str, object]:
    """Mark the overrides that have ended and republish the policy without them; ``period``
    lets the scheduler enqueue it once every five minutes."""
    from openaup.filtering.services.requests import expire_overrides as expire

    with acting_as(actor_repr="override expiry", channel="job"):
        ended = expire()
    return {"ended": ended}


@task()
def refresh_people_profiles(period: str = "") -> dict[str, object]:
    """Publish the live policy again when people's profiles have changed (``period``, the
    quarter hour it runs for, lets the scheduler enqueue it once per interval); first,
    compile it again if the snapshot is of another format version (after an upgrade)."""
    with acting_as(actor_repr="filter people refresh", channel="job"):
        recompiled = publishing.recompile_if_outdated()
        revision = publishing.refresh_people()
    return {
        "recompiled": recompiled.number if recompiled is not None else None,
        "published": revision.number if revision is not None else None,
    }
