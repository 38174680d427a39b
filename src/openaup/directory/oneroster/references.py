"""Checking the references of a package: every sourcedId a row names must be a row of the
package or, where the referenced file is not a bulk file, a row the directory already holds
(:class:`KnownIds`). Guardianship links (``agentSourcedIds``) must join a student and a
parent, guardian or relative.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from openaup.directory.oneroster.records import Dataset, FileMode, UserRecord
from openaup.directory.oneroster.table import Problems
from openaup.directory.oneroster.vocabulary import GUARDIAN_ROLES

__all__ = ["KnownIds", "PackageIndex", "References"]


@dataclass(frozen=True)
class KnownIds:
    """What the directory already holds, for the references a delta package may make to rows
    it does not carry itself. ``orgs`` maps sourcedId to org type (``district``, ``school``);
    ``users`` maps sourcedId to the user's roles."""

    orgs: Mapping[str, str] = field(default_factory=dict)
    users: Mapping[str, frozenset[str]] = field(default_factory=dict)
    sessions: Collection[str] = frozenset()
    courses: Collection[str] = frozenset()
    classes: Collection[str] = frozenset()


@dataclass
class PackageIndex:
    """What the reader learned about a package besides its records: the mode of each file,
    the sourcedIds each file names (rows with problems included, so one bad row does not
    cause a cascade of "no such user"), each record's row number, and the files that could
    not be read at all."""

    modes: dict[str, FileMode] = field(default_factory=dict)
    file_names: dict[str, str] = field(default_factory=dict)
    ids: dict[str, Collection[str]] = field(default_factory=dict)
    lines: dict[str, array[int]] = field(default_factory=dict)
    org_types: dict[str, str] = field(default_factory=dict)
    user_roles: dict[str, set[str]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    with_errors: set[str] = field(default_factory=set)


class References:
    """Checks that every reference names a row of the package or, where the referenced file
    is not a bulk file, a row the directory already holds."""

    def __init__(
        self,
        index: PackageIndex,
        dataset: Dataset,
        problems: Problems,
        known: KnownIds | Callable[[], KnownIds] | None,
    ) -> None:
        self.reader = index
        self.dataset = dataset
        self.problems = problems
        self._known_source = known
        self._known: KnownIds | None = None

    @property
    def known(self) -> KnownIds:
        if self._known is None:
            source = self._known_source
            if callable(source):
                self._known = source()
            elif source is not None:
                self._known = source
            else:
                self._known = KnownIds()
        return self._known

    def _may_use_known(self, target: str) -> bool:
        return self.reader.modes.get(target, "absent") != "bulk"

    def _file(self, name: str) -> str:
        return self.reader.file_names.get(name, f"{name}.csv")

    def org_type(self, sid: str) -> str | None:
        found = self.reader.org_types.get(sid)
        if found is None and sid not in self.reader.ids["orgs"] and self._may_use_known("orgs"):
            found = self.known.orgs.get(sid)
        if found is None and sid in self.reader.ids["orgs"]:
            return ""  # named by a row that has problems of its own
        return found

    def exists(self, target: str, sid: str) -> bool:
        if sid in self.reader.ids[target] or f"{target}.csv" in self.reader.broken:
            return True
        if not self._may_use_known(target):
            return False
        known = self.known
        pool: Collection[str] = {
            "users": known.users,
            "academicSessions": known.sessions,
            "courses": known.courses,
            "classes": known.classes,
        }[target]
        return sid in pool

    def roles_of(self, sid: str) -> set[str] | frozenset[str] | None:
        found = self.reader.user_roles.get(sid)
        if found:
            return found
        if self._may_use_known("roles") or self._may_use_known("users"):
            known = self.known.users.get(sid)
            if known is not None:
                return known
        if sid in self.reader.ids["users"]:
            return set()
        return None

    def missing(self, file: str, row: int, column: str, what: str, sid: str) -> None:
        self.problems.add(self._file(file), row, column, f"no {what} with sourcedId {sid!r}")

    def check_org(
        self, file: str, row: int, column: str, sid: str, *, school: bool = False
    ) -> None:
        if not sid or "orgs.csv" in self.reader.broken:
            return
        kind = self.org_type(sid)
        if kind is None:
            self.missing(file, row, column, "org", sid)
        elif school and kind not in ("school", ""):
            self.problems.add(
                self._file(file), row, column, f"org {sid!r} is a {kind}, not a school"
            )

    def check(self) -> None:
        d = self.dataset
        lines = self.reader.lines
        parents = {org.sourced_id: org.parent_sourced_id for org in d.orgs}
        for org, row in zip(d.orgs, lines["orgs"], strict=True):
            if org.parent_sourced_id:
                before = self.problems.total
                self.check_org("orgs", row, "parentSourcedId", org.parent_sourced_id)
                if self.problems.total > before:
                    continue
            if org.type == "school" and org.status != "tobedeleted":
                self._check_district(org.sourced_id, parents, row)
        for session, row in zip(d.academic_sessions, lines["academicSessions"], strict=True):
            parent = session.parent_sourced_id
            if parent and not self.exists("academicSessions", parent):
                self.missing("academicSessions", row, "parentSourcedId", "academic session", parent)

        # roles first: the agent checks below need each user's roles
        user_roles = self.reader.user_roles
        users_file = "users" if self.dataset.version == "1.1" else "roles"
        for role, row in zip(d.roles, lines["roles"], strict=True):
            column = "orgSourcedIds" if self.dataset.version == "1.1" else "orgSourcedId"
            self.check_org(users_file, row, column, role.org_sourced_id)
            if self.dataset.version == "1.2" and not self.exists("users", role.user_sourced_id):
                self.missing("roles", row, "userSourcedId", "user", role.user_sourced_id)
            if role.status != "tobedeleted":
                user_roles.setdefault(role.user_sourced_id, set()).add(role.role)

        for user, row in zip(d.users, lines["users"], strict=True):
            if user.primary_org_sourced_id:
                self.check_org("users", row, "primaryOrgSourcedId", user.primary_org_sourced_id)
            if (
                user.status != "tobedeleted"
                and "roles" not in self.reader.with_errors
                and "roles.csv" not in self.reader.broken
                and not self.roles_of(user.sourced_id)
            ):
                self.problems.add(
                    self._file("users"),
                    row,
                    "sourcedId",
                    f"user {user.sourced_id!r} has no role in roles.csv",
                )
            self._check_agents(user, row)

        for demographic, row in zip(d.demographics, lines["demographics"], strict=True):
            if not self.exists("users", demographic.sourced_id):
                self.missing("demographics", row, "sourcedId", "user", demographic.sourced_id)
        for course, row in zip(d.courses, lines["courses"], strict=True):
            self.check_org("courses", row, "orgSourcedId", course.org_sourced_id)
            year = course.school_year_sourced_id
            if year and not self.exists("academicSessions", year):
                self.missing("courses", row, "schoolYearSourcedId", "academic session", year)
        for klass, row in zip(d.classes, lines["classes"], strict=True):
            if not self.exists("courses", klass.course_sourced_id):
                self.missing("classes", row, "courseSourcedId", "course", klass.course_sourced_id)
            self.check_org("classes", row, "schoolSourcedId", klass.school_sourced_id, school=True)
            for term in klass.term_sourced_ids:
                if not self.exists("academicSessions", term):
                    self.missing("classes", row, "termSourcedIds", "academic session", term)
        checked_schools: set[str] = set()
        for enrollment, row in zip(d.enrollments, lines["enrollments"], strict=True):
            klass_id = enrollment.class_sourced_id
            if not self.exists("classes", klass_id):
                self.missing("enrollments", row, "classSourcedId", "class", klass_id)
            if not self.exists("users", enrollment.user_sourced_id):
                self.missing(
                    "enrollments", row, "userSourcedId", "user", enrollment.user_sourced_id
                )
            school = enrollment.school_sourced_id
            if school not in checked_schools:
                before = self.problems.total
                self.check_org("enrollments", row, "schoolSourcedId", school, school=True)
                if self.problems.total == before:
                    checked_schools.add(school)

    def _check_district(self, school: str, parents: Mapping[str, str], row: int) -> None:
        """A school must belong to a district: up its parents, or the only district there is."""
        seen = {school}
        current = parents.get(school, "")
        while current and current not in seen:
            if self.org_type(current) == "district":
                return
            seen.add(current)
            current = parents.get(current, "")
        districts = {sid for sid, kind in self.reader.org_types.items() if kind == "district"}
        if self._may_use_known("orgs"):
            districts.update(sid for sid, kind in self.known.orgs.items() if kind == "district")
        if len(districts) == 1:
            return
        self.problems.add(
            self._file("orgs"),
            row,
            "parentSourcedId",
            f"school {school!r} belongs to no district (its parents lead to no org of type "
            f"district, and the package names {len(districts)} districts)",
        )

    def _check_agents(self, user: UserRecord, row: int) -> None:
        if not user.agent_sourced_ids:
            return
        mine = self.roles_of(user.sourced_id) or set()
        if "student" in mine:
            needed, what = GUARDIAN_ROLES, "a parent, guardian or relative"
        elif mine & GUARDIAN_ROLES:
            needed, what = frozenset({"student"}), "a student"
        else:
            self.problems.add(
                self._file("users"),
                row,
                "agentSourcedIds",
                "only students and their parents, guardians or relatives may have agents",
            )
            return
        for agent in user.agent_sourced_ids:
            if agent == user.sourced_id:
                self.problems.add(
                    self._file("users"), row, "agentSourcedIds", "a user cannot be their own agent"
                )
                continue
            theirs = self.roles_of(agent)
            if theirs is None:
                self.missing("users", row, "agentSourcedIds", "user", agent)
            elif theirs and not (theirs & needed):
                roles = ", ".join(sorted(theirs))
                self.problems.add(
                    self._file("users"),
                    row,
                    "agentSourcedIds",
                    f"agent {agent!r} is not {what} (roles: {roles})",
                )
