"""Who may see which part of the directory (the one place that decides it).

- district admin, technology staff, records officer: the whole district (records officers
  only read);
- principal / school admin: their school's students, staff and those students' guardians;
- teacher: the students of their own sections;
- student: themself; guardian: themself and the children linked to them with educational
  rights — but an adult student (18 or older) only while the student consents
  (:class:`openaup.access.models.GuardianAccessGrant`);
- contractor: themself, and what their live access grants cover: the students of the granted
  school (or district), and with the "guardian contacts" category those students' guardians
  and guardian links; nothing once a grant has ended or been revoked;
- sections: those of the schools one leads, the sections one teaches, and the sections of the
  students one may see; enrollments: a visible section's staff, and its students only where
  the student is visible;
- everyone signed in: the list of schools.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Self

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from openaup.core.querysets import Action, ScopedQuerySet

if TYPE_CHECKING:
    from openaup.accounts.access import Access

PEOPLE_ARE_NEVER_DELETED = (
    "People are never deleted: mark them departed (directory.services.mark_departed)."
)


def _access(user: Any) -> Access:
    from openaup.accounts.access import access_for

    return access_for(user)


def adult_birth_cutoff(today: datetime.date | None = None) -> datetime.date:
    """The latest birth date of someone who is 18 today (``Person.is_adult``, in a query)."""
    from openaup.directory.models import ADULT_AGE

    day = today or timezone.localdate()
    try:
        return day.replace(year=day.year - ADULT_AGE)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year - ADULT_AGE, day=28)


def guardian_links_with_access(guardian_id: int) -> Any:
    """The guardian's active links that let them see the child: with educational rights, and
    for an adult student only with the student's live consent."""
    from openaup.access.models import GuardianAccessGrant
    from openaup.directory.models import GuardianLink

    consent = GuardianAccessGrant.objects.filter(link=OuterRef("pk"), withdrawn_at__isnull=True)
    adult = Q(student__birth_date__isnull=False, student__birth_date__lte=adult_birth_cutoff())
    return GuardianLink.objects.filter(
        guardian_id=guardian_id, is_active=True, has_educational_rights=True
    ).filter(~adult | Exists(consent))


def _granted_students(access: Access, *, guardian_contacts: bool = False) -> Q | None:
    """Students a contractor's live grants cover, as a condition on ``Person``; ``None``
    when they cover none."""
    whole, schools = access.granted_schools(guardian_contacts=guardian_contacts)
    if whole:
        return Q(kind="student")
    if schools:
        return Q(kind="student", school_id__in=schools)
    return None


def _may_change_district(access: Access) -> bool:
    return access.is_district_admin or access.is_tech_staff


def taught_section_ids(person_id: int) -> Any:
    """The ids of the sections ``person_id`` teaches (an active teacher or aide enrollment),
    as a subquery for ``..._id__in``."""
    from openaup.directory.models import Enrollment

    return Enrollment.objects.filter(
        person_id=person_id, role__in=["teacher", "aide"], is_active=True
    ).values("section_id")


def _teacher_section_ids(access: Access) -> Q:
    """Sections in which the user's person teaches (an active teacher/aide enrollment). A
    subquery, not a join: OR-ed with other conditions, a join to every enrollment of every
    section is slow at the scale of a large district."""
    if access.person_id is None:
        return Q(pk__in=[])
    return Q(pk__in=taught_section_ids(access.person_id))


class SchoolQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if action == "view":
            return self
        if _may_change_district(access):
            return self
        return self.none()


class PersonQuerySet(ScopedQuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(PEOPLE_ARE_NEVER_DELETED)

    def students(self) -> Self:
        return self.filter(kind="student")

    def active(self) -> Self:
        return self.filter(status="active")

    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if _may_change_district(access):
            return self
        if action not in ("view", "export"):
            return self.none()
        if access.sees_whole_district:
            return self
        from openaup.directory.models import Enrollment, GuardianLink, PersonRole, Section

        allowed = Q(pk=access.person_id) if access.person_id else Q(pk__in=[])
        schools = access.schools_with("school_admin")
        if schools:
            school_students = self.model.objects.filter(kind="student", school_id__in=schools)
            allowed |= Q(school_id__in=schools)
            allowed |= Q(
                pk__in=PersonRole.objects.filter(school_id__in=schools, is_active=True).values(
                    "person_id"
                )
            )
            allowed |= Q(
                pk__in=GuardianLink.objects.filter(
                    student__in=school_students, is_active=True
                ).values("guardian_id")
            )
        if access.person_id and access.has("teacher"):
            taught = Section.objects.filter(_teacher_section_ids(access))
            allowed |= Q(
                pk__in=Enrollment.objects.filter(
                    section__in=taught, role="student", is_active=True
                ).values("person_id")
            )
        if access.person_id and access.has("guardian"):
            allowed |= Q(pk__in=guardian_links_with_access(access.person_id).values("student_id"))
        if access.grants:
            granted = _granted_students(access)
            if granted is not None:
                allowed |= granted
            with_contacts = _granted_students(access, guardian_contacts=True)
            if with_contacts is not None:
                allowed |= Q(
                    pk__in=GuardianLink.objects.filter(
                        student__in=self.model.objects.filter(with_contacts), is_active=True
                    ).values("guardian_id")
                )
        return self.filter(allowed)


class SectionQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if _may_change_district(access):
            return self
        if action not in ("view", "export"):
            return self.none()
        if access.sees_whole_district:
            return self
        from openaup.directory.models import Person

        allowed = Q(school_id__in=access.schools_with("school_admin"))
        if access.person_id:
            allowed |= _teacher_section_ids(access)
            visible_students = Person.objects.filter(kind="student").visible_to(user)
            if access.has("student", "guardian"):
                allowed |= Q(
                    enrollments__person__in=visible_students,
                    enrollments__role="student",
                    enrollments__is_active=True,
                )
        # A subquery rather than a join with DISTINCT, so callers can still annotate counts.
        return self.filter(pk__in=self.model.objects.filter(allowed).values("pk"))


class EnrollmentQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if _may_change_district(access):
            return self
        if action not in ("view", "export"):
            return self.none()
        if access.sees_whole_district:
            return self
        from openaup.directory.models import Person, Section

        # A section's staff are visible with the section; its students only to those who may
        # see each student (a guardian sees their child's class, not the classmates).
        return self.filter(
            Q(section__in=Section.objects.visible_to(user, action))
            & (~Q(role="student") | Q(person__in=Person.objects.visible_to(user, action)))
        )


class GuardianLinkQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if _may_change_district(access):
            return self
        if action not in ("view", "export"):
            return self.none()
        if access.sees_whole_district:
            return self
        from openaup.directory.models import Person

        allowed = Q(guardian_id=access.person_id) | Q(student_id=access.person_id)
        schools = access.schools_with("school_admin")
        if schools:
            allowed |= Q(student__school_id__in=schools)
        if access.grants:
            # A contractor sees contact details only under a grant with guardian contacts.
            with_contacts = _granted_students(access, guardian_contacts=True)
            if with_contacts is None:
                return self.filter(allowed)
            students = Person.objects.filter(with_contacts)
            return self.filter(allowed | Q(student__in=students, is_active=True))
        # Everyone else sees the contacts of students they may see, and only links that
        # carry educational rights.
        visible = Person.objects.filter(kind="student").visible_to(user, action)
        allowed |= Q(student__in=visible, has_educational_rights=True)
        return self.filter(allowed)
