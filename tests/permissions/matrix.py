"""The permission matrix: every URL pattern and API endpoint x every demo sign-in, with what
each one must get.

Rows live in ``tests/permissions/rows_<area>.py`` modules, each defining ``ROWS``, a sequence
of :class:`Row`. ``test_matrix.py`` collects the rows of every such module, signs in as each
demo role against one loaded demo district, and checks the outcome; a meta-test fails when a
URL pattern has no row.

A row names its URL (``"directory:person-detail"``), the HTTP method, a *target* giving the
URL's arguments (a named piece of the demo district, such as
``"a student of the elementary school who is not the guardian's child"``), and the expected
outcome per role, built with :func:`by_role`::

    Row(
        "directory:person-detail",
        target=ES_STUDENT_NOT_CHILD,
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW, records=ALLOW,
                       principal_es=ALLOW),
    )

New targets are added with the :func:`target` decorator (in a ``rows_<area>.py`` module or
here); a target receives the :class:`Demo` and returns the URL keyword arguments.

Every request runs in its own transaction that is rolled back afterwards, so a POST row that
succeeds (a departure, a revoked grant) does not change the district for the next row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

__all__ = [
    "ALLOW",
    "BAD_REQUEST",
    "FORBIDDEN",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "OUTCOMES",
    "ROLES",
    "SIGN_IN",
    "TARGETS",
    "UNAUTHORIZED",
    "Demo",
    "Row",
    "by_role",
    "outcome_of",
    "target",
]

#: The demo sign-ins, plus nobody signed in. Keyword names in :func:`by_role` use ``_`` for
#: ``.`` (``principal_es`` is ``principal.es``).
ROLES: tuple[str, ...] = (
    "anonymous",
    "admin",
    "tech",
    "principal.es",
    "principal.ms",
    "principal.hs",
    "teacher.es",
    "teacher.hs",
    "student.hs",
    "guardian",
    "contractor",
    "records",
)

#: A success: any 2xx, or a redirect that is not to the sign-in page (a form post that
#: redirects to the changed object).
ALLOW = "allow"
#: A redirect to the sign-in page.
SIGN_IN = "sign-in"
FORBIDDEN = "403"
NOT_FOUND = "404"
UNAUTHORIZED = "401"
BAD_REQUEST = "400"
METHOD_NOT_ALLOWED = "405"
OUTCOMES = frozenset(
    {ALLOW, SIGN_IN, FORBIDDEN, NOT_FOUND, UNAUTHORIZED, BAD_REQUEST, METHOD_NOT_ALLOWED}
)

#: Common shapes of expectation.
STAFF_WIDE = ("admin", "tech", "records")


def by_role(default: str, **overrides: str) -> dict[str, str]:
    """The expected outcome for every role: ``default`` unless overridden by keyword
    (``principal_es=ALLOW``; ``.`` in a username is ``_`` here)."""
    if default not in OUTCOMES:
        raise ValueError(f"unknown outcome {default!r}")
    expect = dict.fromkeys(ROLES, default)
    for key, value in overrides.items():
        role = key.replace("_", ".")
        if role not in expect:
            raise ValueError(f"unknown role {key!r}; roles are {', '.join(ROLES)}")
        if value not in OUTCOMES:
            raise ValueError(f"unknown outcome {value!r} for {role}")
        expect[role] = value
    return expect


@dataclass(frozen=True)
class Row:
    """One URL (by name) with one set of arguments, and what every role gets there."""

    name: str
    expect: Mapping[str, str]
    method: str = "get"
    #: The name of a target in :data:`TARGETS` giving the URL keyword arguments.
    target: str | None = None
    #: Form or JSON data for a POST; a mapping, or a function of the :class:`Demo`.
    data: Mapping[str, Any] | Callable[[Demo], Mapping[str, Any]] | None = None
    #: Query string without ``?``.
    query: str = ""
    #: A format suffix such as ``".json"`` for the API's format-suffix variants.
    suffix: str = ""
    #: Extra words for the test id when one URL appears with the same target twice.
    label: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = set(ROLES) - set(self.expect)
        if missing:
            raise ValueError(f"row {self.name}: no expectation for {', '.join(sorted(missing))}")

    @property
    def id(self) -> str:
        parts = [self.method.upper(), self.name + self.suffix]
        if self.target:
            parts.append(f"[{self.target}]")
        if self.query:
            parts.append("?" + self.query)
        if self.label:
            parts.append(f"({self.label})")
        return " ".join(parts)


class Demo:
    """The loaded demo district, with shortcuts to look things up by role."""

    LEVELS = {
        "es": "Maple Valley Elementary",
        "ms": "Maple Valley Middle",
        "hs": "Maple Valley High",
    }

    def __init__(self) -> None:
        self._users: dict[str, Any] = {}

    def user(self, username: str) -> Any:
        from openaup.accounts.models import User

        if username not in self._users:
            self._users[username] = User.objects.select_related("person").get(username=username)
        return self._users[username]

    def person(self, username: str) -> Any:
        return self.user(username).person

    def school(self, level: str) -> Any:
        from openaup.directory.models import School

        return School.objects.get(name=self.LEVELS[level])

    @cached_property
    def guardian_children(self) -> list[Any]:
        """The guardian's children (with educational rights), ordered by school level."""
        from openaup.directory.models import Person

        return list(
            Person.objects.filter(
                kind="student",
                guardian_links__guardian=self.person("guardian"),
                guardian_links__is_active=True,
            ).order_by("pk")
        )


#: Named targets: name -> function of the :class:`Demo` returning the URL keyword arguments.
TARGETS: dict[str, Callable[[Demo], Mapping[str, Any]]] = {}


def target(name: str) -> Callable[[Callable[[Demo], Mapping[str, Any]]], Any]:
    """Register a named target (decorator)."""

    def register(fn: Callable[[Demo], Mapping[str, Any]]) -> Callable[[Demo], Mapping[str, Any]]:
        if name in TARGETS and TARGETS[name] is not fn:
            raise ValueError(f"target {name!r} is defined twice")
        TARGETS[name] = fn
        return fn

    return register


def outcome_of(response: Any) -> str:
    """What a response amounts to, in the matrix's terms."""
    from django.conf import settings
    from django.shortcuts import resolve_url

    status = response.status_code
    if 300 <= status < 400:
        location = response.get("Location", "")
        if location.split("?")[0].endswith(resolve_url(settings.LOGIN_URL)):
            return SIGN_IN
        return ALLOW
    if 200 <= status < 300:
        return ALLOW
    return str(status)


# -- shared targets --------------------------------------------------------------------------

ES_STUDENT_NOT_CHILD = "a student of the elementary school who is not the guardian's child"
MS_STUDENT = "a middle-school student (in none of teacher.hs's sections)"
HS_STUDENT_TAUGHT = "a student in a section teacher.hs teaches"
GUARDIAN_ES_CHILD = "the guardian's elementary-school child"
GUARDIAN_HS_CHILD = "the guardian's high-school child"
STUDENT_HS_SELF = "student.hs themself"
HS_SECTION_TAUGHT = "a section teacher.hs teaches"
HS_SECTION_NOT_TAUGHT = "a high-school section teacher.hs does not teach"
ES_SECTION = "an elementary-school section"
SCHOOL_ES = "the elementary school"
SCHOOL_HS = "the high school"
LINK_OF_HS_CHILD = "the guardian's link to their high-school child"
LINK_ES_NOT_FAMILY = "a guardian link of an elementary student not in the guardian's family"


def _child_at(demo: Demo, level: str) -> Any:
    school = demo.school(level)
    return next(child for child in demo.guardian_children if child.school_id == school.pk)


def _taught_section_ids(demo: Demo) -> Any:
    from openaup.directory.models import Enrollment

    return Enrollment.objects.filter(
        person=demo.person("teacher.hs"), role__in=["teacher", "aide"], is_active=True
    ).values("section_id")


def _taught_student_ids(demo: Demo) -> Any:
    from openaup.directory.models import Enrollment

    return Enrollment.objects.filter(
        section_id__in=_taught_section_ids(demo), role="student", is_active=True
    ).values("person_id")


@target(ES_STUDENT_NOT_CHILD)
def _es_student_not_child(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Person

    family = [child.pk for child in demo.guardian_children]
    person = (
        Person.objects.filter(kind="student", status="active", school=demo.school("es"))
        .exclude(pk__in=family)
        .order_by("pk")
        .first()
    )
    return {"pk": person.pk}


@target(MS_STUDENT)
def _ms_student(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Person

    person = (
        Person.objects.filter(kind="student", status="active", school=demo.school("ms"))
        .exclude(pk__in=_taught_student_ids(demo))
        .order_by("pk")
        .first()
    )
    return {"pk": person.pk}


@target(HS_STUDENT_TAUGHT)
def _hs_student_taught(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Person

    family = [child.pk for child in demo.guardian_children]
    person = (
        Person.objects.filter(pk__in=_taught_student_ids(demo))
        .exclude(pk__in=family)
        .exclude(pk=demo.person("student.hs").pk)
        .order_by("pk")
        .first()
    )
    return {"pk": person.pk}


@target(GUARDIAN_ES_CHILD)
def _guardian_es_child(demo: Demo) -> Mapping[str, Any]:
    return {"pk": _child_at(demo, "es").pk}


@target(GUARDIAN_HS_CHILD)
def _guardian_hs_child(demo: Demo) -> Mapping[str, Any]:
    return {"pk": _child_at(demo, "hs").pk}


@target(STUDENT_HS_SELF)
def _student_hs_self(demo: Demo) -> Mapping[str, Any]:
    return {"pk": demo.person("student.hs").pk}


@target(HS_SECTION_TAUGHT)
def _hs_section_taught(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Section

    return {"pk": Section.objects.filter(pk__in=_taught_section_ids(demo)).order_by("pk")[0].pk}


@target(HS_SECTION_NOT_TAUGHT)
def _hs_section_not_taught(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Section

    section = (
        Section.objects.filter(school=demo.school("hs"))
        .exclude(pk__in=_taught_section_ids(demo))
        .exclude(enrollments__person__in=[demo.person("student.hs"), _child_at(demo, "hs")])
        .order_by("pk")
        .first()
    )
    return {"pk": section.pk}


@target(ES_SECTION)
def _es_section(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Section

    section = (
        Section.objects.filter(school=demo.school("es"))
        .exclude(enrollments__person=_child_at(demo, "es"))
        .exclude(enrollments__person=demo.person("teacher.es"))
        .order_by("pk")
        .first()
    )
    return {"pk": section.pk}


@target(SCHOOL_ES)
def _school_es(demo: Demo) -> Mapping[str, Any]:
    return {"pk": demo.school("es").pk}


@target(SCHOOL_HS)
def _school_hs(demo: Demo) -> Mapping[str, Any]:
    return {"pk": demo.school("hs").pk}


@target(LINK_OF_HS_CHILD)
def _link_of_hs_child(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import GuardianLink

    link = GuardianLink.objects.get(guardian=demo.person("guardian"), student=_child_at(demo, "hs"))
    return {"pk": link.pk}


@target(LINK_ES_NOT_FAMILY)
def _link_es_not_family(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import GuardianLink

    link = (
        GuardianLink.objects.filter(student__school=demo.school("es"), is_active=True)
        .exclude(student__in=demo.guardian_children)
        .exclude(guardian=demo.person("guardian"))
        .order_by("pk")
        .first()
    )
    return {"pk": link.pk}
