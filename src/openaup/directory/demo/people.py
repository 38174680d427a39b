"""The people of the demo district while it is being made (mutable, with ``__slots__`` so a
50,000-student district stays small); the generator turns them into OneRoster records."""

from __future__ import annotations

import unicodedata

from openaup.directory.demo.catalog import YEAR_START, Level
from openaup.directory.demo.names import HERITAGES, Heritage
from openaup.directory.oneroster.records import ClassRecord

__all__ = ["Family", "Guardian", "Person", "School", "Section", "Staff", "Student", "ascii_name"]


class School:
    """A school and its students by grade; rooms and teachers as they are hired."""

    __slots__ = ("level", "name", "org_id", "rooms", "students", "teachers")

    def __init__(self, level: Level, org_id: str, name: str) -> None:
        self.level = level
        self.org_id = org_id
        self.name = name
        self.rooms = 100
        self.teachers: list[Staff] = []
        self.students: dict[str, list[Student]] = {grade: [] for grade in level.grades}


class Person:
    """What every person of the district has: an id, names, a heritage for names."""

    __slots__ = ("family_name", "given_name", "heritage", "middle_name", "sex", "sourced_id")

    def __init__(self, sourced_id: str, heritage: Heritage, sex: str) -> None:
        self.sourced_id = sourced_id
        self.heritage = heritage
        self.sex = sex
        self.given_name = ""
        self.middle_name = ""
        self.family_name = ""


class Student(Person):
    """A student in a grade at a school, born on a date, in a family."""

    __slots__ = ("birth_date", "family", "grade", "school")

    def __init__(self, sourced_id: str, school: School, grade: str) -> None:
        super().__init__(sourced_id, HERITAGES[0], "")
        self.school = school
        self.grade = grade
        self.birth_date = YEAR_START
        self.family: Family | None = None


class Guardian(Person):
    """A parent, guardian or relative, with or without educational rights."""

    __slots__ = ("relationship", "rights")

    def __init__(self, sourced_id: str, heritage: Heritage, sex: str, relationship: str) -> None:
        super().__init__(sourced_id, heritage, sex)
        self.relationship = relationship
        self.rights = True


class Family:
    """Children who share their guardians, a surname and a home language."""

    __slots__ = ("children", "guardians", "heritage", "language", "surname")

    def __init__(self) -> None:
        self.children: list[Student] = []
        self.guardians: list[Guardian] = []
        self.heritage = HERITAGES[0]
        self.surname = ""
        self.language = "en"


class Staff(Person):
    """A staff member with one role at the district or a school; a teacher also keeps
    the periods they teach, so no two of their sections meet at once."""

    __slots__ = ("org_id", "periods", "role", "room", "sections", "title")

    def __init__(self, sourced_id: str, role: str, org_id: str, title: str) -> None:
        super().__init__(sourced_id, HERITAGES[0], "")
        self.role = role
        self.org_id = org_id
        self.title = title
        self.sections = 0
        self.periods: set[tuple[str, int]] = set()
        self.room = ""


class Section:
    """A class section with its students and its teacher."""

    __slots__ = ("record", "students", "teacher")

    def __init__(self, record: ClassRecord, students: list[Student], teacher: Staff) -> None:
        self.record = record
        self.students = students
        self.teacher = teacher


def ascii_name(text: str) -> str:
    """A name as it can appear in a username or an email address."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()
