"""Access reports: the audit trail for district administrators and records officers, and the
record of access to a student's record for the student and their family (34 CFR 99.32).

Both read through the scoped base views; which events a person may read is decided in
:mod:`openaup.audit.querysets`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from openaup.accounts.access import access_for
from openaup.audit.filters import AuditEventFilter
from openaup.audit.models import AuditEvent
from openaup.audit.querysets import may_read_trail, report_people
from openaup.audit.services import READ_ACTIONS, STUDENT_EXPORTED
from openaup.core.views import ScopedDetailView, ScopedListView

__all__ = ["AccessReportView", "AuditEventDetailView", "AuditTrailView"]

#: Events shown per student on the access report.
REPORT_LIMIT = 100
#: Roles that are family, not district staff: always shown by name.
_FAMILY_ROLES = ("guardian", "student")
#: Signing in and other account events of the student's own account.
_ACCOUNT_ACTIONS = "account."


class TrailReaderRequired:
    """Signed-in people who may not read the whole trail get a 403 (anonymous visitors are
    sent to sign in by the view's own login check)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not may_read_trail(request.user):
            raise PermissionDenied(_("Only district administrators and records officers."))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class AuditTrailView(TrailReaderRequired, ScopedListView):
    """The whole audit trail, newest first, with filters."""

    model = AuditEvent
    template_name = "audit/event_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset().select_related("person", "actor__person")
        self.filterset = AuditEventFilter(self.request.GET or None, queryset=queryset)
        return self.filterset.qs.order_by("-sequence")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key != "page"
        )
        return context


class AuditEventDetailView(TrailReaderRequired, ScopedDetailView):
    """One event: everything it records, the changes before and after, and its hashes."""

    model = AuditEvent
    template_name = "audit/event_detail.html"
    context_object_name = "event"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("person", "actor__person")


@dataclass(frozen=True)
class AccessLine:
    """One line of a record of access: when, who, what, why."""

    occurred_at: Any
    who: str
    what: str
    detail: str
    reason: str


@dataclass(frozen=True)
class AccessRecord:
    """The record of access of one student."""

    student: Any
    lines: list[AccessLine]
    total: int


class AccessReportView(ScopedListView):
    """ "Who viewed or changed this record": for a guardian, each child they hold educational
    rights for; for a student, their own record. District staff appear by name, or by role
    only when ``OPENAUP_ACCESS_REPORT_STAFF_BY_ROLE`` is set."""

    model = AuditEvent
    template_name = "audit/access_report.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not access_for(request.user).has(*_FAMILY_ROLES):
            raise PermissionDenied(_("The record of access is for students and families."))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        # Scoped to the reader, then to the records this report is about (a district
        # administrator who is also a parent sees their own children here, not the district).
        people = report_people(self.request.user).values("pk")
        return super().get_queryset().filter(person__in=people).select_related("actor__person")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        events: QuerySet[Any] = self.get_queryset()
        user = self.request.user
        by_role = bool(settings.OPENAUP_ACCESS_REPORT_STAFF_BY_ROLE)
        records = []
        students = (
            report_people(user).select_related("school").order_by("family_name", "given_name", "id")
        )
        for student in students:
            mine = events.filter(person=student).order_by("-sequence")
            lines = [self._line(event, user, by_role) for event in mine[:REPORT_LIMIT]]
            total = len(lines) if len(lines) < REPORT_LIMIT else mine.count()
            records.append(AccessRecord(student=student, lines=lines, total=total))
        context["records"] = records
        context["report_limit"] = REPORT_LIMIT
        context["staff_by_role"] = by_role
        return context

    @staticmethod
    def _line(event: AuditEvent, user: Any, by_role: bool) -> AccessLine:
        from openaup.audit.templatetags.audit_tags import role_label

        if event.actor_id is not None and event.actor_id == user.pk:
            who = _("You")
        elif event.actor is None and not event.role:
            who = _("The district's systems (%(name)s)") % {"name": event.actor_repr}
        elif by_role and event.role.partition(" @ ")[0] not in _FAMILY_ROLES:
            who = role_label(event.role) or _("District staff")
        else:
            person = event.actor.person if event.actor is not None else None
            name = person.display_name if person is not None else event.actor_repr
            who = f"{name} ({role_label(event.role)})" if event.role else name
        if event.action == STUDENT_EXPORTED:
            what = _("Exported (in a list)")
        elif event.action in READ_ACTIONS:
            what = _("Viewed")
        elif event.action.startswith(_ACCOUNT_ACTIONS):
            what = _("Account activity")
        else:
            what = _("Changed")
        return AccessLine(
            occurred_at=event.occurred_at,
            who=who,
            what=what,
            detail="" if event.action in READ_ACTIONS else event.action,
            reason=event.reason,
        )
