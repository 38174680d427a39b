"""Loading the demo district: its roster through the ordinary OneRoster import, then one
sign-in for each role, and the guardian links the district has cleared educational rights on.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from openaup.accounts.choices import Role
from openaup.accounts.models import RoleAssignment, User
from openaup.audit.services import record
from openaup.directory.choices import PersonKind, RecordSource
from openaup.directory.demo.generator import Cast, DemoDistrict
from openaup.directory.models import GuardianLink, Person
from openaup.directory.oneroster.writer import write_dataset
from openaup.directory.services import ImportReport, import_roster, set_educational_rights
from openaup.policies.demo_campaign import load_demo_campaign

__all__ = [
    "CONTRACTOR_SOURCED_ID",
    "SIGN_INS",
    "DemoError",
    "DemoLoad",
    "create_demo_accounts",
    "demo_sign_ins",
    "load_demo_district",
]

CONTRACTOR_SOURCED_ID = "local-contractor-1"

#: The demo sign-ins, in the order they are shown, with what each one is.
SIGN_INS: tuple[tuple[str, str], ...] = (
    ("admin", "District administrator"),
    ("tech", "Technology staff"),
    ("principal.es", "Principal of Maple Valley Elementary"),
    ("principal.ms", "Principal of Maple Valley Middle"),
    ("principal.hs", "Principal of Maple Valley High"),
    ("teacher.es", "Teacher at Maple Valley Elementary"),
    ("teacher.hs", "Teacher at Maple Valley High"),
    ("student.hs", "Student at Maple Valley High"),
    ("guardian", "Parent of two children in two schools"),
    ("contractor", "Contractor, not a district employee"),
    ("records", "Records officer"),
)

#: Roles given explicitly; the others follow from the directory (a school's principal, a
#: teacher's sections, a student, a guardian's children, a contractor).
_ASSIGNED_ROLES = {
    "admin": Role.DISTRICT_ADMIN,
    "tech": Role.TECH_STAFF,
    "records": Role.RECORDS_OFFICER,
}


class DemoError(Exception):
    """The demo district cannot be loaded as asked."""


@dataclass(frozen=True)
class DemoLoad:
    """What loading the demo district did."""

    import_report: ImportReport
    accounts: list[str]
    links_without_rights: int


def _people_of(cast: Cast) -> dict[str, str]:
    """Username -> sourcedId of the directory person behind it."""
    return {
        "admin": cast.superintendent,
        "tech": cast.technology_director,
        "records": cast.records_officer,
        "principal.es": cast.principals["es"],
        "principal.ms": cast.principals["ms"],
        "principal.hs": cast.principals["hs"],
        "teacher.es": cast.teacher_es,
        "teacher.hs": cast.teacher_hs,
        "student.hs": cast.student_hs,
        "guardian": cast.guardian,
        "contractor": CONTRACTOR_SOURCED_ID,
    }


def _contractor(*, actor: Any) -> Person:
    person = Person.objects.filter(sourced_id=CONTRACTOR_SOURCED_ID).first()
    if person is not None:
        return person
    person = Person.objects.create(
        sourced_id=CONTRACTOR_SOURCED_ID,
        source=RecordSource.LOCAL,
        kind=PersonKind.CONTRACTOR,
        given_name="Casey",
        family_name="Lindqvist",
        email="casey.lindqvist@northwind-networks.example",
        phone="413-555-0177",
        title="Network technician (Northwind Networks)",
    )
    record(
        "person.created",
        actor=actor,
        obj=person,
        person=person,
        changes={"kind": person.kind, "source": person.source},
        reason="Demo district: a contractor entered by hand.",
    )
    return person


@transaction.atomic
def create_demo_accounts(*, actor: Any, cast: Cast, password: str) -> list[str]:
    """Create the demo sign-ins, or bring them back to their demo state (person, role and
    password), for a loaded demo district. Adds the demo contractor (a person entered
    locally, not from the roster) if missing.

    Records ``person.created`` for the contractor and ``account.created`` or
    ``account.reset`` for each sign-in. Returns the usernames.
    """
    people_of = _people_of(cast)
    _contractor(actor=actor)
    people = Person.objects.in_bulk(list(people_of.values()), field_name="sourced_id")
    missing = [username for username, sid in people_of.items() if sid not in people]
    if missing:
        raise DemoError(
            "The demo district is not loaded (no person for "
            f"{', '.join(missing)}): run `aup demo` on an empty database."
        )
    # One hash for all: the password is the same, printed for anyone trying the demo, and
    # hashing it once keeps `make run` from spending seconds on eleven hashes.
    hashed = make_password(password)
    for username, _ in SIGN_INS:
        person = people[people_of[username]]
        taken = User.objects.filter(person=person).exclude(username=username).first()
        if taken is not None:
            raise DemoError(f"{person} already signs in as {taken.username!r}.")
        user = User.objects.filter(username=username).first()
        action = "account.reset" if user is not None else "account.created"
        if user is None:
            user = User(username=username)
        user.person = person
        user.first_name = (person.preferred_given_name or person.given_name)[:150]
        user.last_name = person.family_name[:150]
        user.email = person.email
        user.is_active = True
        user.password = hashed
        user.save()
        role = _ASSIGNED_ROLES.get(username)
        if role is not None:
            RoleAssignment.objects.get_or_create(user=user, role=role, school=None)
        record(
            action,
            actor=actor,
            obj=user,
            person=person,
            changes={"username": username, "person": person.sourced_id, "role": role or ""},
            reason="Demo sign-in.",
        )
    return [username for username, _ in SIGN_INS]


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """The demo sign-ins that exist: (username, what it is, the person's name)."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=[name for name, _ in SIGN_INS])
        .select_related("person")
        .order_by()
    }
    return [
        (name, label, str(users[name].person or "")) for name, label in SIGN_INS if name in users
    ]


def load_demo_district(
    *,
    actor: Any,
    district: DemoDistrict,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> DemoLoad:
    """Load a generated demo district in one transaction: import its roster as OneRoster 1.2
    files (the same import a district runs), create the demo sign-ins, and clear educational
    rights on the links the district has marked so (a grandparent listed as a contact, a
    parent without rights); then open the 2026-27 signing campaign with some families signed
    (:mod:`openaup.policies.demo_campaign`), and publish the filter's default profiles
    (:mod:`openaup.filtering.demo`).

    Each step records its own audit events (the import's, ``account.*``, and the rights
    changes).
    """
    with transaction.atomic():
        with tempfile.TemporaryDirectory(prefix="openaup-demo-") as folder:
            path = write_dataset(district.dataset, Path(folder) / "roster", version="1.2")
            report = import_roster(actor=actor, path=path, progress=progress)
        if not report.ok:
            raise DemoError("The demo roster did not import: " + "; ".join(report.errors[:5]))
        accounts = create_demo_accounts(
            actor=actor, cast=district.cast, password=settings.OPENAUP_DEMO_PASSWORD
        )
        pairs = set(district.links_without_rights)
        wanted = [
            pk
            for pk, student, guardian in GuardianLink.objects.order_by("pk").values_list(
                "pk", "student__sourced_id", "guardian__sourced_id"
            )
            if (student, guardian) in pairs
        ]
        for start in range(0, len(wanted), 500):
            chunk = GuardianLink.objects.select_related("student", "guardian").in_bulk(
                wanted[start : start + 500]
            )
            for link in chunk.values():
                if link.has_educational_rights:
                    set_educational_rights(
                        actor=actor,
                        link=link,
                        has_rights=False,
                        reason="Demo district: this contact does not hold educational rights.",
                    )
        load_demo_campaign()
        from openaup.filtering.demo import load_demo_filter

        load_demo_filter()
    return DemoLoad(import_report=report, accounts=accounts, links_without_rights=len(wanted))
