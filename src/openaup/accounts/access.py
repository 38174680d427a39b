"""What a signed-in user may act as: their roles and the scope of each.

Roles come from two places: explicit :class:`RoleAssignment` rows (district admin, technology
staff, records officer, a principal's office staff), and the directory itself (a teacher of
sections at a school, a student, a guardian of linked children, a school's principal). A
contractor's reach comes from their live access grants (:mod:`openaup.access`). The result is
computed once per request and kept on the user object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openaup.accounts.choices import Role

__all__ = ["Access", "GrantScope", "access_for"]

_CACHE_ATTR = "_openaup_access"


@dataclass(frozen=True)
class GrantScope:
    """What one live contractor access grant covers: the student directory of a school (or,
    with no school, of the district), and with ``guardian_contacts`` those students'
    guardians' contact details."""

    school_id: int | None
    guardian_contacts: bool


@dataclass(frozen=True)
class Access:
    """The roles one user holds: district-wide, and per school id; and, for a contractor,
    the live access grants."""

    user_id: int | None
    person_id: int | None
    district_roles: frozenset[str] = frozenset()
    school_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    grants: tuple[GrantScope, ...] = ()

    def has(self, *roles: str) -> bool:
        """Holds any of ``roles`` anywhere (district or a school)."""
        if self.district_roles.intersection(roles):
            return True
        return any(held.intersection(roles) for held in self.school_roles.values())

    def district_has(self, *roles: str) -> bool:
        return bool(self.district_roles.intersection(roles))

    def schools_with(self, *roles: str) -> frozenset[int]:
        return frozenset(sid for sid, held in self.school_roles.items() if held.intersection(roles))

    @property
    def is_district_admin(self) -> bool:
        return Role.DISTRICT_ADMIN in self.district_roles

    @property
    def is_tech_staff(self) -> bool:
        return Role.TECH_STAFF in self.district_roles

    @property
    def sees_whole_district(self) -> bool:
        return self.district_has(Role.DISTRICT_ADMIN, Role.TECH_STAFF, Role.RECORDS_OFFICER)

    def granted_schools(self, *, guardian_contacts: bool = False) -> tuple[bool, frozenset[int]]:
        """What live grants cover (with guardian contacts, if asked): (the whole district?,
        the school ids)."""
        grants = [g for g in self.grants if g.guardian_contacts or not guardian_contacts]
        whole = any(g.school_id is None for g in grants)
        return whole, frozenset(g.school_id for g in grants if g.school_id is not None)

    @property
    def all_roles(self) -> frozenset[str]:
        roles = set(self.district_roles)
        for held in self.school_roles.values():
            roles.update(held)
        return frozenset(roles)


def _compute(user: Any) -> Access:
    from openaup.access.models import AccessGrant
    from openaup.accounts.models import RoleAssignment
    from openaup.directory.choices import STAFF_ROLES, PersonKind, PersonStatus, RoleType
    from openaup.directory.models import GuardianLink, PersonRole, School

    district: set[str] = set()
    schools: dict[int, set[str]] = {}

    def grant(role: str, school_id: int | None) -> None:
        if school_id is None:
            district.add(role)
        else:
            schools.setdefault(school_id, set()).add(role)

    if user.is_superuser:
        district.add(Role.DISTRICT_ADMIN)
    for role, school_id in RoleAssignment.objects.filter(user=user).values_list(
        "role", "school_id"
    ):
        grant(role, school_id)

    grants: list[GrantScope] = []
    person = user.person if user.person_id else None
    if person is not None and person.status == PersonStatus.ACTIVE:
        if person.kind == PersonKind.STUDENT:
            grant(Role.STUDENT, person.school_id)
        elif person.kind == PersonKind.CONTRACTOR:
            grant(Role.CONTRACTOR, None)
            live = AccessGrant.objects.live().filter(contractor=person, includes_directory=True)
            grants = [
                GrantScope(school_id=school_id, guardian_contacts=contacts)
                for school_id, contacts in live.values_list(
                    "school_id", "includes_guardian_contacts"
                )
            ]
        staff_roles = PersonRole.objects.filter(person=person, is_active=True).values_list(
            "role", "school_id"
        )
        for role, school_id in staff_roles:
            if role in (RoleType.TEACHER, RoleType.AIDE):
                grant(Role.TEACHER, school_id)
            elif role in STAFF_ROLES and person.kind == PersonKind.STAFF:
                grant(Role.STAFF, school_id)
        for school_id in School.objects.filter(principal=person).values_list("id", flat=True):
            grant(Role.SCHOOL_ADMIN, school_id)
        if GuardianLink.objects.filter(guardian=person, is_active=True).exists():
            grant(Role.GUARDIAN, None)

    return Access(
        user_id=user.pk,
        person_id=person.pk if person is not None else None,
        district_roles=frozenset(district),
        school_roles={sid: frozenset(held) for sid, held in schools.items()},
        grants=tuple(grants),
    )


def access_for(user: Any) -> Access:
    """The roles of ``user``, computed once per user object (that is, once per request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Access(user_id=None, person_id=None)
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _compute(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached
