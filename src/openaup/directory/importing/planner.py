"""Comparing a OneRoster dataset with the directory: :class:`Planner` builds the
:class:`~openaup.directory.importing.plan.Plan` without writing anything, and
:func:`known_ids` tells the reader what a delta package may refer to without carrying it.

``dateLastModified`` is kept with a change but never makes one: exports restamp every row.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from openaup.directory.choices import (
    GRADE_ORDER,
    PersonKind,
    PersonStatus,
    RecordSource,
    RoleType,
)
from openaup.directory.importing.plan import (
    NOT_COLUMNS,
    REFERENCES,
    Change,
    CourseRow,
    Current,
    DistrictRow,
    EnrollmentRow,
    LinkRow,
    PersonRow,
    Plan,
    ProgressFn,
    RoleRow,
    SchoolRow,
    SectionRow,
    SessionRow,
    diff,
    retire,
)
from openaup.directory.importing.sql import RowTable
from openaup.directory.models import (
    AcademicSession,
    Course,
    District,
    Enrollment,
    GuardianLink,
    Person,
    PersonRole,
    School,
    Section,
)
from openaup.directory.oneroster.reader import KnownIds
from openaup.directory.oneroster.records import Dataset, RoleRecord, UserRecord
from openaup.directory.oneroster.vocabulary import GUARDIAN_ROLES, STAFF_ROLES

__all__ = ["DERIVED_TITLES", "RIGHTS_BY_DEFAULT", "Planner", "known_ids"]

#: The readable title a staff member gets from their role (kept only while it is one of these:
#: a title typed in by hand is left alone).
DERIVED_TITLES: dict[str, str] = {str(value): str(label) for value, label in RoleType.choices}
_DERIVED_TITLE_SET = frozenset(DERIVED_TITLES.values())
#: The relationship a guardian link takes from the guardian's roles, first match wins.
_RELATIONSHIP_ORDER = ("parent", "guardian", "relative")
#: Relationships that hold educational rights unless the district clears them.
RIGHTS_BY_DEFAULT = frozenset({"parent", "guardian"})
#: Grades that make a school's grade range (13, PS, UG and Other do not).
_RANGE_GRADES = frozenset(code for code, order in GRADE_ORDER.items() if order <= GRADE_ORDER["12"])


# --- what the directory already holds ---------------------------------------------------------


def known_ids() -> KnownIds:
    """Everything a delta package may refer to without carrying it."""
    orgs: dict[str, str] = dict.fromkeys(
        District.objects.values_list("sourced_id", flat=True), "district"
    )
    orgs.update(dict.fromkeys(School.objects.values_list("sourced_id", flat=True), "school"))
    roles: dict[str, set[str]] = defaultdict(set)
    for sid, role in PersonRole.objects.filter(is_active=True).values_list(
        "person__sourced_id", "role"
    ):
        roles[sid].add(role)
    users: dict[str, frozenset[str]] = {}
    for sid, kind in Person.objects.values_list("sourced_id", "kind").iterator(chunk_size=5000):
        users[sid] = frozenset(roles.get(sid) or {kind})
    return KnownIds(
        orgs=orgs,
        users=users,
        sessions=set(AcademicSession.objects.values_list("sourced_id", flat=True)),
        courses=set(Course.objects.values_list("sourced_id", flat=True)),
        classes=set(Section.objects.values_list("sourced_id", flat=True).iterator(chunk_size=5000)),
    )


class Planner:
    """Compares a dataset with the directory and builds the :class:`Plan`."""

    def __init__(self, dataset: Dataset, *, progress: ProgressFn | None = None) -> None:
        self.dataset = dataset
        self.progress = progress
        self.today = timezone.localdate()
        self.plan_time = timezone.now()
        self.plan = Plan(version=dataset.version, modes=dict(dataset.modes), today=self.today)
        self.sids: dict[str, dict[int, str]] = {}
        self.org_parents = {org.sourced_id: org.parent_sourced_id for org in dataset.orgs}
        self.org_types = {org.sourced_id: org.type for org in dataset.orgs}
        self.roles_by_user: dict[str, list[RoleRecord]] = defaultdict(list)
        for role in dataset.roles:
            if role.status != "tobedeleted":
                self.roles_by_user[role.user_sourced_id].append(role)
        self.final_roles: dict[str, set[tuple[str, str | None, bool]]] = {}
        self.people: dict[str, PersonRow] = {}  # final values of every person known
        self.person_sources: dict[str, str] = {}
        self.db_org_types: dict[str, str] = {}

    # loading

    def _report(self, stage: str) -> None:
        if self.progress is not None:
            self.progress(stage, 0, None)

    def _load(
        self,
        model: type[models.Model],
        row: type[Any],
        *,
        key: Callable[[Sequence[Any]], Any] | None = None,
        key_fields: Sequence[str] = ("sourced_id", "source"),
        extra: Mapping[int, Sequence[str]] | None = None,
    ) -> dict[Any, Current]:
        """Every row of ``model`` as ``key -> (pk, source, row tuple)``."""
        names = [name for name in row._fields if name not in NOT_COLUMNS]
        references = REFERENCES.get(row, {})
        columns = [f"{name}_id" if name in references else name for name in names]
        converters = [
            (index, self.sids[references[name]])
            for index, name in enumerate(names)
            if name in references
        ]
        found: dict[Any, Current] = {}
        width = len(key_fields)
        table = RowTable(model, now=self.plan_time)
        make = row._make
        for pk, *rest in table.select(["pk", *key_fields, *columns]):
            values = rest[width:]
            for index, sids in converters:
                if values[index] is not None:
                    values[index] = sids[values[index]]
            if extra is not None:
                values.append(tuple(sorted(extra.get(pk, ()))))
            if key is None:
                found[rest[0]] = Current(pk, rest[1], make(values))
            else:
                found[key(rest)] = Current(pk, RecordSource.ONEROSTER, make(values))
        return found

    def _ids(self, entity: str, model: type[models.Model]) -> None:
        rows = model._default_manager.values_list("pk", "sourced_id")
        self.sids[entity] = dict(rows.iterator(chunk_size=10000))

    # orgs

    def school_of(self, org: str) -> str | None:
        """The school an org reference means: a school itself, a department's school, or None
        (the district, or a state, national or local org: no school)."""
        seen: set[str] = set()
        while org and org not in seen:
            kind = self.org_types.get(org) or self.db_org_types.get(org)
            if kind == "school":
                return org
            if kind != "department":
                return None
            seen.add(org)
            org = self.org_parents.get(org, "")
        return None

    def district_of(self, school: str) -> str | None:
        seen = {school}
        current = self.org_parents.get(school, "")
        while current and current not in seen:
            kind = self.org_types.get(current) or self.db_org_types.get(current)
            if kind == "district":
                return current
            seen.add(current)
            current = self.org_parents.get(current, "")
        districts = {sid for sid, kind in self.org_types.items() if kind == "district"}
        districts.update(self.sids["districts"].values())
        return next(iter(districts)) if len(districts) == 1 else None

    # the whole plan

    def build(self) -> Plan:
        d = self.dataset
        plan = self.plan
        self._report("Comparing with the directory")
        self._ids("districts", District)
        self._ids("schools", School)
        self.db_org_types = dict.fromkeys(self.sids["districts"].values(), "district")
        self.db_org_types.update(dict.fromkeys(self.sids["schools"].values(), "school"))
        plan.changes["districts"] = self._plan_districts()
        self._ids("sessions", AcademicSession)
        current_people = self._load(Person, PersonRow)
        self.sids["people"] = {found.pk: sid for sid, found in current_people.items()}
        self.person_sources = {sid: found.source for sid, found in current_people.items()}
        current_schools = self._load(School, SchoolRow)
        plan.school_names = {sid: found.values.name for sid, found in current_schools.items()}
        plan.school_names.update({o.sourced_id: o.name for o in d.orgs if o.type == "school"})
        plan.changes["sessions"] = self._plan_sessions()
        plan.changes["roles"] = self._plan_roles()
        plan.changes["people"] = self._plan_people(current_people)
        plan.changes["schools"] = self._plan_schools(current_schools)
        plan.changes["courses"] = self._plan_courses()
        self._ids("courses", Course)
        self._ids("sections", Section)
        plan.changes["sections"] = self._plan_sections()
        plan.changes["enrollments"] = self._plan_enrollments()
        plan.changes["guardian_links"] = self._plan_links()
        return plan

    def _plan_districts(self) -> Change:
        change = Change()
        if self.dataset.mode("orgs") == "absent":
            return change
        current = self._load(District, DistrictRow)
        for org in self.dataset.orgs:
            if org.type == "district" and org.status != "tobedeleted":
                wanted = DistrictRow(org.name, org.identifier)
                diff(change, current, org.sourced_id, wanted, org.date_last_modified)
        return change

    def _plan_schools(self, current: dict[str, Current]) -> Change:
        change = Change()
        mode = self.dataset.mode("orgs")
        principals = self._principals()
        grades = self._grade_ranges()
        wanted_rows: dict[str, tuple[SchoolRow, datetime.datetime | None]] = {}
        retired: list[str] = []
        listed: set[str] = set()
        for org in self.dataset.orgs if mode != "absent" else ():
            if org.type != "school":
                continue
            listed.add(org.sourced_id)
            if org.status == "tobedeleted":
                retired.append(org.sourced_id)
                continue
            found = current.get(org.sourced_id)
            base = found.values if found is not None else None
            wanted_rows[org.sourced_id] = (
                SchoolRow(
                    district=self.district_of(org.sourced_id),
                    name=org.name,
                    identifier=org.identifier,
                    is_active=True,
                    principal=base.principal if base else None,
                    low_grade=base.low_grade if base else "",
                    high_grade=base.high_grade if base else "",
                ),
                org.date_last_modified,
            )
        for sid, found in current.items():
            if sid in listed:
                continue
            if mode == "bulk" and found.source == RecordSource.ONEROSTER:
                retired.append(sid)
            else:
                wanted_rows[sid] = (found.values, None)
        for sid, (wanted, stamp) in wanted_rows.items():
            if sid in principals:
                wanted = wanted._replace(principal=principals[sid])
            if sid in grades:
                wanted = wanted._replace(low_grade=grades[sid][0], high_grade=grades[sid][1])
            diff(change, current, sid, wanted, stamp)
        for sid in retired:
            retire(change, current.pop(sid, None), sid, self.today)
        return change

    def _principals(self) -> dict[str, str]:
        """School -> the person a ``principal`` role names there (a primary role first)."""
        found: dict[str, tuple[bool, str]] = {}
        for person, roles in self.final_roles.items():
            if self.people.get(person) is None or self.people[person].status != "active":
                continue
            for role, school, primary in roles:
                if role != "principal" or school is None:
                    continue
                rank = (not primary, person)
                best = found.get(school)
                if best is None or rank < best:
                    found[school] = rank
        return {school: person for school, (_, person) in found.items()}

    def _grade_ranges(self) -> dict[str, tuple[str, str]]:
        """School -> (lowest, highest) grade of its students, when the users file is whole."""
        if self.dataset.mode("users") != "bulk":
            return {}
        ranges: dict[str, tuple[str, str]] = {}
        for person in self.people.values():
            if (
                person.kind != PersonKind.STUDENT
                or person.status != PersonStatus.ACTIVE
                or person.school is None
                or person.grade not in _RANGE_GRADES
            ):
                continue
            low, high = ranges.get(person.school, (person.grade, person.grade))
            if GRADE_ORDER[person.grade] < GRADE_ORDER[low]:
                low = person.grade
            if GRADE_ORDER[person.grade] > GRADE_ORDER[high]:
                high = person.grade
            ranges[person.school] = (low, high)
        return ranges

    def _plan_sessions(self) -> Change:
        return self._plan_file(
            "academicSessions",
            lambda: self._load(AcademicSession, SessionRow),
            self.dataset.academic_sessions,
            lambda session: SessionRow(
                title=session.title,
                session_type=session.type,
                start_date=session.start_date,
                end_date=session.end_date,
                school_year=session.school_year,
                parent=session.parent_sourced_id or None,
                is_active=True,
            ),
        )

    def _plan_file(
        self,
        file_name: str,
        load: Callable[[], dict[Any, Current]],
        records: Iterable[Any],
        wanted: Callable[[Any], Any],
    ) -> Change:
        """The course of a file whose rows map one to one onto directory rows: nothing when
        the file is absent; ``tobedeleted`` rows retired; the others compared with what is
        stored (``wanted`` gives the row a record should become); in a bulk file, the rest
        retired."""
        change = Change()
        mode = self.dataset.mode(file_name)
        if mode == "absent":
            return change
        current = load()
        for record in records:
            key = record.sourced_id
            if record.status == "tobedeleted":
                retire(change, current.pop(key, None), key, self.today)
                continue
            diff(change, current, key, wanted(record), record.date_last_modified)
        self._retire_rest(change, current, mode)
        return change

    def _retire_rest(self, change: Change, current: dict[Any, Current], mode: str) -> None:
        """In a bulk file, what the file no longer lists is no longer active."""
        if mode != "bulk":
            return
        for key, found in current.items():
            if found.source == RecordSource.ONEROSTER:
                retire(change, found, key, self.today)

    # people and their roles

    def _plan_roles(self) -> Change:
        change = Change()
        mode = self.dataset.mode("roles")
        people = self.sids["people"]
        schools = self.sids["schools"]
        current = self._load(
            PersonRole,
            RoleRow,
            key_fields=("person_id", "role", "school_id"),
            key=lambda rest: (people[rest[0]], rest[1], schools.get(rest[2])),
        )
        for (person, role, school), found in current.items():
            if found.values.is_active:
                self.final_roles.setdefault(person, set()).add(
                    (role, school, found.values.is_primary)
                )
        if mode == "absent":
            return change
        wanted: dict[tuple[str, str, str | None], tuple[RoleRow, datetime.datetime | None]] = {}
        for role in self.dataset.roles:
            if role.status == "tobedeleted":
                continue
            key = (role.user_sourced_id, role.role, self.school_of(role.org_sourced_id))
            row = RoleRow(
                is_primary=role.role_type == "primary",
                begin_date=role.begin_date,
                end_date=role.end_date,
                sourced_id=role.sourced_id,
                is_active=True,
            )
            earlier = wanted.get(key)
            if earlier is not None:  # two orgs of one school (departments): one role there
                first = earlier[0]
                row = first._replace(is_primary=first.is_primary or row.is_primary)
            wanted[key] = (row, role.date_last_modified)
        # the roles each person ends up with (for kind, title, school and principals)
        restated = {user.sourced_id for user in self.dataset.users if user.status != "tobedeleted"}
        if mode == "bulk":
            self.final_roles = {}
        elif self.dataset.version == "1.1":
            for person in restated:
                self.final_roles.pop(person, None)
        for key, (row, stamp) in wanted.items():
            self.final_roles.setdefault(key[0], set()).add((key[1], key[2], row.is_primary))
            diff(change, current, key, row, stamp)
        for role in self.dataset.roles:
            if role.status == "tobedeleted":
                key = (role.user_sourced_id, role.role, self.school_of(role.org_sourced_id))
                if key not in wanted:
                    retire(change, current.pop(key, None), key, self.today)
                    self.final_roles.get(key[0], set()).discard((key[1], key[2], True))
                    self.final_roles.get(key[0], set()).discard((key[1], key[2], False))
        sources = self.person_sources
        for key, found in current.items():
            ours = sources.get(key[0]) == RecordSource.ONEROSTER
            if (mode == "bulk" and ours) or (
                mode == "delta" and self.dataset.version == "1.1" and key[0] in restated
            ):
                retire(change, found, key, self.today)
        return change

    def _plan_people(self, current: dict[Any, Current]) -> Change:
        change = Change()
        d = self.dataset
        self.people = {sid: found.values for sid, found in current.items()}
        mode = d.mode("users")
        demographics_mode = d.mode("demographics")
        demographics = {record.sourced_id: record for record in d.demographics}
        seen: set[str] = set()
        for user in d.users:
            seen.add(user.sourced_id)
            found = current.get(user.sourced_id)
            if user.status == "tobedeleted":
                retire(change, current.pop(user.sourced_id, None), user.sourced_id, self.today)
                if found is not None:
                    self.people[user.sourced_id] = found.values._replace(
                        status=PersonStatus.DEPARTED, departed_on=self.today
                    )
                continue
            base = found.values if found is not None else None
            birth_date = base.birth_date if base is not None else None
            demographic = demographics.get(user.sourced_id)
            if demographic is not None:
                birth_date = None if demographic.status == "tobedeleted" else demographic.birth_date
            elif demographics_mode == "bulk":
                birth_date = None
            wanted = self._person(user, base, birth_date)
            self.people[user.sourced_id] = wanted
            diff(change, current, user.sourced_id, wanted, user.date_last_modified)
        # birth dates of people the package does not list otherwise
        for sid, demographic in demographics.items():
            if sid in seen or sid not in current:
                continue
            base = current[sid].values
            birth_date = None if demographic.status == "tobedeleted" else demographic.birth_date
            wanted = base._replace(birth_date=birth_date)
            self.people[sid] = wanted
            diff(change, current, sid, wanted, demographic.date_last_modified)
        if mode == "bulk":
            for sid, found in current.items():
                if found.source == RecordSource.ONEROSTER:
                    retire(change, found, sid, self.today)
                    if found.values.status == PersonStatus.ACTIVE:
                        self.people[sid] = found.values._replace(
                            status=PersonStatus.DEPARTED, departed_on=self.today
                        )
        return change

    def _person(
        self, user: UserRecord, base: PersonRow | None, birth_date: datetime.date | None
    ) -> PersonRow:
        roles = self.final_roles.get(user.sourced_id, set())
        names = {role for role, _, _ in roles}
        if "student" in names:
            kind: str = PersonKind.STUDENT
        elif names & STAFF_ROLES:
            kind = PersonKind.STAFF
        elif names & GUARDIAN_ROLES:
            kind = PersonKind.GUARDIAN
        else:
            kind = base.kind if base is not None else PersonKind.GUARDIAN
        school = base.school if base is not None else None
        if kind in (PersonKind.STUDENT, PersonKind.STAFF):
            ordered = sorted(roles, key=lambda item: (not item[2], item[0], item[1] or ""))
            candidates = [role[1] for role in ordered]
            if user.primary_org_sourced_id:
                candidates.insert(0, self.school_of(user.primary_org_sourced_id))
            if candidates:
                school = next((sid for sid in candidates if sid), None)
        else:
            school = None
        derived = ""
        if kind == PersonKind.STAFF:
            staff = sorted((not primary, role) for role, _, primary in roles if role in STAFF_ROLES)
            derived = DERIVED_TITLES.get(staff[0][1], "") if staff else ""
        title = derived
        if base is not None and base.title and base.title not in _DERIVED_TITLE_SET:
            title = base.title  # typed in by hand
        return PersonRow(
            kind=kind,
            given_name=user.given_name,
            family_name=user.family_name,
            middle_name=user.middle_name,
            preferred_given_name=user.preferred_given_name,
            preferred_middle_name=user.preferred_middle_name,
            preferred_family_name=user.preferred_family_name,
            username=user.username,
            identifier=user.identifier,
            user_master_identifier=user.user_master_identifier,
            email=user.email,
            phone=user.phone,
            sms=user.sms,
            grade=(user.grades[0] if user.grades else "") if kind == PersonKind.STUDENT else "",
            school=school,
            title=title,
            birth_date=birth_date,
            enabled=user.enabled,
            metadata=dict(user.metadata),
            status=PersonStatus.ACTIVE,
            departed_on=None,
        )

    # courses, sections, enrollments

    def _plan_courses(self) -> Change:
        return self._plan_file(
            "courses",
            lambda: self._load(Course, CourseRow),
            self.dataset.courses,
            lambda course: CourseRow(
                title=course.title,
                course_code=course.course_code,
                school=self.school_of(course.org_sourced_id),
                school_year=course.school_year_sourced_id or None,
                grades=list(course.grades),
                subjects=list(course.subjects),
                is_active=True,
            ),
        )

    def _plan_sections(self) -> Change:
        def load() -> dict[Any, Current]:
            sessions = self.sids["sessions"]
            terms: dict[int, list[str]] = defaultdict(list)
            through = Section.terms.through.objects.values_list("section_id", "academicsession_id")
            for section_id, session_id in through.iterator(chunk_size=10000):
                terms[section_id].append(sessions[session_id])
            return self._load(Section, SectionRow, extra=terms)

        return self._plan_file(
            "classes",
            load,
            self.dataset.classes,
            lambda klass: SectionRow(
                title=klass.title,
                class_code=klass.class_code,
                class_type=klass.class_type,
                course=klass.course_sourced_id or None,
                school=self.school_of(klass.school_sourced_id),
                grades=list(klass.grades),
                subjects=list(klass.subjects),
                periods=list(klass.periods),
                location=klass.location,
                is_active=True,
                terms=tuple(sorted(klass.term_sourced_ids)),
            ),
        )

    def _plan_enrollments(self) -> Change:
        return self._plan_file(
            "enrollments",
            lambda: self._load(Enrollment, EnrollmentRow),
            self.dataset.enrollments,
            lambda enrollment: EnrollmentRow(
                section=enrollment.class_sourced_id,
                person=enrollment.user_sourced_id,
                role=enrollment.role,
                is_primary=enrollment.primary,
                begin_date=enrollment.begin_date,
                end_date=enrollment.end_date,
                is_active=True,
            ),
        )

    # guardianship

    def _plan_links(self) -> Change:
        change = Change()
        d = self.dataset
        mode = d.mode("users")
        if mode == "absent":
            return change
        people = self.sids["people"]
        rights_locally: set[tuple[str, str]] = set()
        current: dict[Any, Current] = {}
        rows = RowTable(GuardianLink, now=self.plan_time).select(
            ["pk", "student_id", "guardian_id", "source", "rights_set_locally", *LinkRow._fields]
        )
        for pk, student, guardian, source, local, *values in rows:
            key = (people[student], people[guardian])
            current[key] = Current(pk, source, LinkRow._make(values))
            if local:
                rights_locally.add(key)
        users = {user.sourced_id: user for user in d.users}
        pairs: dict[tuple[str, str], None] = {}
        for user in d.users:
            if user.status == "tobedeleted" or not user.agent_sourced_ids:
                continue
            mine = {role for role, _, _ in self.final_roles.get(user.sourced_id, ())}
            if not mine and user.sourced_id in self.people:
                mine = {self.people[user.sourced_id].kind}
            for agent in user.agent_sourced_ids:
                pair = (user.sourced_id, agent) if "student" in mine else (agent, user.sourced_id)
                pairs[pair] = None
        for student, guardian in pairs:
            key = (student, guardian)
            wanted = self._link(guardian, users.get(guardian))
            found = current.get(key)
            if key in rights_locally and found is not None:
                wanted = wanted._replace(has_educational_rights=found.values.has_educational_rights)
            diff(change, current, key, wanted, None)
        listed = {user.sourced_id for user in d.users if user.status != "tobedeleted"}
        for key, found in current.items():
            if found.source != RecordSource.ONEROSTER:
                continue
            if mode == "bulk" or (key[0] in listed and key[1] in listed):
                retire(change, found, key, self.today)
        return change

    def _link(self, guardian: str, user: UserRecord | None) -> LinkRow:
        roles = {role for role, _, _ in self.final_roles.get(guardian, ())}
        relationship = next((r for r in _RELATIONSHIP_ORDER if r in roles), "guardian")
        person = self.people.get(guardian)
        if user is not None:
            email, phone, sms, metadata = user.email, user.phone, user.sms, user.metadata
        elif person is not None:
            email, phone, sms, metadata = person.email, person.phone, person.sms, person.metadata
        else:
            email, phone, sms, metadata = "", "", "", {}
        language = metadata.get("preferredLanguage") or metadata.get("language") or "en"
        return LinkRow(
            relationship=relationship,
            has_educational_rights=relationship in RIGHTS_BY_DEFAULT,
            contact_email=email,
            contact_phone=phone or sms,
            preferred_language=str(language).strip().lower()[:16] or "en",
            is_active=True,
        )
