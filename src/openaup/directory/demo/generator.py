"""The demo district, Maple Valley Public Schools, as a OneRoster dataset.

Everything is drawn from one seeded random generator, so the same seed and size give the same
district, row for row. The district scales with the number of students: about one staff
member per 20 students, homerooms and classes by school and grade, and more schools once
three would be too large (the benchmark district of :func:`scale` has dozens).

Who is in it:

* the district office (superintendent, technology staff, a records officer) and, per school, a
  principal (a OneRoster 1.2 ``principal`` role), counselors, aides and teachers;
* students from pre-kindergarten to grade 12 with birth dates that fit their grade; the
  youngest (PK to grade 2) have no email address; one grade-12 student is already 18;
* families of one or two guardians (mostly parents, some guardians and relatives), siblings
  sharing them, Spanish-speaking families asking for notices in Spanish
  (``metadata.preferredLanguage``), and one family with children in two schools;
* every elementary student in a homeroom and the special classes of their grade; every
  middle and high school student in an advisory homeroom and a full schedule of classes, some
  for the year and some for one semester.

Names, emails (``@maplevalley.k12.example``, families at ``example.com/.net/.org``) and phone
numbers (``555-01xx``) are made up.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from openaup.directory.demo.catalog import (
    AGE_CUTOFF,
    AREA_CODES,
    DEFAULT_SEED,
    DEFAULT_STUDENTS,
    DISTRICT_NAME,
    FALL_END,
    FALL_ID,
    FAMILY_DOMAINS,
    GRADE_WEIGHTS,
    GRADES,
    LEVELS,
    MIN_STUDENTS,
    NO_EMAIL_GRADES,
    PLACES,
    SCALE_STUDENTS,
    SCHOOL_YEAR,
    SPRING_ID,
    SPRING_START,
    STAFF_DOMAIN,
    STUDENT_DOMAIN,
    YEAR_END,
    YEAR_ID,
    YEAR_START,
)
from openaup.directory.demo.names import HERITAGES, NICKNAMES, Heritage
from openaup.directory.demo.people import (
    Family,
    Guardian,
    Person,
    School,
    Staff,
    Student,
    ascii_name,
)
from openaup.directory.demo.timetable import Timetable
from openaup.directory.oneroster.records import (
    FILE_NAMES,
    AcademicSessionRecord,
    Dataset,
    DemographicRecord,
    EnrollmentRecord,
    OrgRecord,
    RoleRecord,
    UserRecord,
)

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_STUDENTS",
    "DISTRICT_NAME",
    "MIN_STUDENTS",
    "SCALE_STUDENTS",
    "Cast",
    "DemoDistrict",
    "generate",
    "scale",
]

# --- the result -------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """The people behind the demo sign-ins, by sourcedId."""

    superintendent: str
    technology_director: str
    records_officer: str
    principals: dict[str, str]  # es, ms, hs -> the principal of that Maple Valley school
    teacher_es: str
    teacher_hs: str
    student_hs: str
    guardian: str
    guardian_children: tuple[str, str]
    adult_student: str


@dataclass
class DemoDistrict:
    """The generated district: the OneRoster dataset, who plays which demo sign-in, and the
    guardian links (student, guardian) without educational rights: relatives listed as
    contacts (no rights from the start) and a few parents the district clears them for."""

    dataset: Dataset
    cast: Cast
    links_without_rights: list[tuple[str, str]] = field(default_factory=list)


def generate(students: int = DEFAULT_STUDENTS, *, seed: int = DEFAULT_SEED) -> DemoDistrict:
    """The demo district with about ``students`` students (exactly that many), as
    OneRoster 1.2 bulk files."""
    if students < MIN_STUDENTS:
        raise ValueError(f"the demo district needs at least {MIN_STUDENTS} students")
    return _Builder(students, random.Random(seed)).build()


def scale(*, seed: int = DEFAULT_SEED) -> DemoDistrict:
    """The benchmark district: 50,000 students, about 80,000 guardians, 2,500 staff,
    12,000 sections and 400,000 enrollments."""
    return generate(SCALE_STUDENTS, seed=seed)


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), exactly."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [math.floor(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _Builder:
    """Makes one district: schools, students, families, staff, classes, then the records."""

    def __init__(self, students: int, rng: random.Random) -> None:
        self.total = students
        self.rng = rng
        self.schools: list[School] = []
        self.students: list[Student] = []
        self.families: list[Family] = []
        self.staff: list[Staff] = []
        self.timetable = Timetable(self.new_staff)
        self.usernames: dict[str, int] = {}
        self.emails: dict[str, int] = {}
        self.heritage_weights = [h.weight for h in HERITAGES]
        self.district_id = "mv-district"
        self.cast_family: Family | None = None
        self.adult_student: Student | None = None

    # -- helpers ------------------------------------------------------------

    def heritage(self) -> Heritage:
        return self.rng.choices(HERITAGES, weights=self.heritage_weights)[0]

    def name(self, person: Person, *, middle: float = 0.5) -> None:
        names = person.heritage.female if person.sex == "female" else person.heritage.male
        person.given_name = self.rng.choice(names)
        if self.rng.random() < middle:
            person.middle_name = self.rng.choice(names)
            if person.middle_name == person.given_name:
                person.middle_name = ""
        if not person.family_name:
            person.family_name = self.rng.choice(person.heritage.family)

    def unique(self, seen: dict[str, int], base: str) -> str:
        count = seen.get(base, 0) + 1
        seen[base] = count
        return base if count == 1 else f"{base}{count}"

    def username(self, person: Person) -> str:
        base = f"{ascii_name(person.given_name)}.{ascii_name(person.family_name)}"
        return self.unique(self.usernames, base)

    def phone(self) -> str:
        return f"{self.rng.choice(AREA_CODES)}-555-01{self.rng.randrange(100):02d}"

    def pronouns(self, person: Person, share: float) -> str:
        if self.rng.random() >= share:
            return ""
        if self.rng.random() < 0.04:
            return "they/them"
        return "she/her" if person.sex == "female" else "he/him"

    def sex(self) -> str:
        return "female" if self.rng.random() < 0.5 else "male"

    # -- the district ---------------------------------------------------------

    def build(self) -> DemoDistrict:
        self.make_schools()
        self.make_students()
        self.make_families()
        self.name_families()
        self.make_district_staff()
        self.make_school_staff()
        self.timetable.make_classes(self.schools)
        self.fill_staff()
        for staff in self.staff:
            staff.heritage = self.heritage()
            staff.sex = self.sex()
            self.name(staff, middle=0.3)
        cast = self.cast()
        dataset = Dataset(
            version="1.2",
            modes=dict.fromkeys(FILE_NAMES, "bulk"),
            orgs=self.org_records(),
            academic_sessions=self.session_records(),
            courses=self.timetable.courses,
        )
        self.user_records(dataset)
        self.class_records(dataset)
        without = [
            (child.sourced_id, guardian.sourced_id)
            for family in self.families
            for guardian in family.guardians
            if not guardian.rights
            for child in family.children
        ]
        return DemoDistrict(dataset=dataset, cast=cast, links_without_rights=without)

    def make_schools(self) -> None:
        weights = [GRADE_WEIGHTS.get(grade, 1.0) for grade in GRADES]
        per_grade = dict(zip(GRADES, _allocate(self.total, weights), strict=True))
        for level in LEVELS:
            level_total = sum(per_grade[grade] for grade in level.grades)
            count = max(1, math.ceil(level_total / level.school_capacity))
            schools = []
            for index in range(count):
                if index == 0:
                    org_id, name = f"mv-{level.key}", f"Maple Valley {level.suffix}"
                else:
                    place = PLACES[(index - 1) % len(PLACES)]
                    round_ = (index - 1) // len(PLACES)
                    place = place if round_ == 0 else f"{place} {round_ + 1}"
                    org_id, name = f"mv-{level.key}-{index + 1:02d}", f"{place} {level.suffix}"
                schools.append(School(level, org_id, name))
            for grade in level.grades:
                for school, size in zip(
                    schools, _allocate(per_grade[grade], [1] * count), strict=True
                ):
                    school.students[grade] = [Student("", school, grade) for _ in range(size)]
            self.schools.extend(schools)

    def make_students(self) -> None:
        number = 0
        for school in self.schools:
            for grade, students in school.students.items():
                age = GRADES.index(grade) + 4  # PK: 4 by the cutoff, KG: 5, ...
                for student in students:
                    number += 1
                    student.sourced_id = f"stu-{number:06d}"
                    student.sex = self.sex()
                    years = age + (1 if self.rng.random() < 0.03 else 0)
                    latest = AGE_CUTOFF.replace(year=AGE_CUTOFF.year - years)
                    student.birth_date = latest - datetime.timedelta(days=self.rng.randrange(365))
                    self.students.append(student)
        # One senior who is already an adult (a year older than the class, 18 at the start
        # of the year): they hold their own rights.
        seniors = self.schools_of("hs")[0].students["12"]
        self.adult_student = seniors[-1]
        self.adult_student.birth_date = datetime.date(2008, 2, 11)

    def schools_of(self, level: str) -> list[School]:
        return [school for school in self.schools if school.level.key == level]

    def make_families(self) -> None:
        """Group students into families: mostly one child, some siblings a few grades
        apart. Linear: each grade's students wait in a shuffled queue."""
        rng = self.rng
        queues: list[list[Student]] = [[] for _ in GRADES]
        grade_index = {grade: i for i, grade in enumerate(GRADES)}
        for student in self.students:
            queues[grade_index[student.grade]].append(student)
        for queue in queues:
            rng.shuffle(queue)
        heads = [0] * len(GRADES)

        def take(index: int) -> Student | None:
            queue = queues[index]
            while heads[index] < len(queue):
                student = queue[heads[index]]
                heads[index] += 1
                if student.family is None:
                    return student
            return None

        # The family of the guardian demo sign-in: a fourth grader and a tenth grader.
        family = Family()
        elementary = self.schools_of("es")[0].students["04"][0]
        high = self.schools_of("hs")[0].students["10"][0]
        for child in (elementary, high):
            child.family = family
            family.children.append(child)
        self.families.append(family)
        self.cast_family = family

        order = list(self.students)
        rng.shuffle(order)
        for student in order:
            if student.family is not None:
                continue
            family = Family()
            student.family = family
            family.children.append(student)
            size = rng.choices((1, 2, 3), weights=(88, 10.5, 1.5))[0]
            index = grade_index[student.grade]
            for _ in range(size - 1):
                step = rng.choice((-4, -3, -2, -2, -1, 1, 2, 2, 3, 4))
                sibling_index = min(max(index + step, 0), len(GRADES) - 1)
                sibling = take(sibling_index)
                if sibling is not None:
                    sibling.family = family
                    family.children.append(sibling)
            self.families.append(family)

    def name_families(self) -> None:
        self.make_guardians()
        if not any(
            not guardian.rights and guardian.relationship == "parent"
            for family in self.families
            for guardian in family.guardians
        ):
            # Even a small district has one parent without educational rights.
            family = next(
                f
                for f in self.families
                if f is not self.cast_family
                and len(f.guardians) == 2
                and f.guardians[1].relationship == "parent"
            )
            family.guardians[1].rights = False

    def make_guardians(self) -> None:
        rng = self.rng
        number = 0
        for family in self.families:
            family.heritage = self.heritage()
            family.surname = rng.choice(family.heritage.family)
            if rng.random() < family.heritage.spanish_at_home:
                family.language = "es"
            cast = family is self.cast_family
            kinds: tuple[str, ...]
            if cast or rng.random() < 0.82:
                kinds = rng.choices(
                    (("parent", "parent"), ("parent", "guardian"), ("parent", "relative")),
                    weights=(88, 7, 5),
                )[0]
                kinds = ("parent", "parent") if cast else kinds
            else:
                # A relative raising a child alone is their legal guardian.
                kinds = (rng.choices(("parent", "guardian"), weights=(88, 12))[0],)
            first_sex = "female" if rng.random() < 0.6 else "male"
            for position, relationship in enumerate(kinds):
                number += 1
                if position == 0:
                    sex = first_sex
                else:
                    opposite = "male" if first_sex == "female" else "female"
                    sex = first_sex if rng.random() < 0.05 else opposite
                heritage = family.heritage
                if position == 1 and rng.random() < 0.15:
                    heritage = self.heritage()
                guardian = Guardian(f"gdn-{number:06d}", heritage, sex, relationship)
                if position == 0 or (rng.random() < 0.75 and heritage is family.heritage):
                    guardian.family_name = family.surname
                self.name(guardian, middle=0.3)
                family.guardians.append(guardian)
            if len(family.guardians) == 2 and not cast:
                second = family.guardians[1]
                # A grandparent listed as a contact holds no educational rights; nor does
                # the odd parent (a court order): the district clears those by hand.
                if second.relationship == "relative" or rng.random() < 0.04:
                    second.rights = False
            for child in family.children:
                child.heritage = family.heritage
                child.family_name = family.surname
                if len(family.guardians) == 2 and rng.random() < 0.05:
                    child.family_name = family.guardians[1].family_name
                self.name(child)

    # -- staff ----------------------------------------------------------------

    def new_staff(self, role: str, org_id: str, title: str) -> Staff:
        staff = Staff(f"stf-{len(self.staff) + 1:05d}", role, org_id, title)
        self.staff.append(staff)
        return staff

    def make_district_staff(self) -> None:
        district = self.district_id
        self.new_staff("districtAdministrator", district, "Superintendent")
        self.new_staff("systemAdministrator", district, "Director of Technology")
        self.new_staff("districtAdministrator", district, "Records Officer")
        for _ in range(max(1, self.total // 5000)):
            self.new_staff("systemAdministrator", district, "Technology Specialist")
        if self.total >= 5000:
            self.new_staff("districtAdministrator", district, "Assistant Superintendent")

    def make_school_staff(self) -> None:
        for school in self.schools:
            size = sum(len(students) for students in school.students.values())
            self.new_staff("principal", school.org_id, "Principal")
            for _ in range(size // 800):
                self.new_staff("siteAdministrator", school.org_id, "Assistant Principal")
            per_counselor = 700 if school.level.key == "es" else 500
            for _ in range(max(1, round(size / per_counselor))):
                self.new_staff("counselor", school.org_id, "School Counselor")

    def fill_staff(self) -> None:
        """Aides up to about one staff member per 20 students."""
        target = round(self.total / 20)
        schools = self.schools
        index = 0
        while len(self.staff) < target:
            school = schools[index % len(schools)]
            title = "Paraprofessional" if school.level.key == "es" else "Instructional Aide"
            self.new_staff("aide", school.org_id, title)
            index += 1

    # -- who is who -------------------------------------------------------------

    def cast(self) -> Cast:
        def role_at(role: str, org_id: str) -> Staff:
            return next(s for s in self.staff if s.role == role and s.org_id == org_id)

        def titled(title: str) -> Staff:
            return next(s for s in self.staff if s.title == title)

        es, ms, hs = (self.schools_of(level)[0] for level in ("es", "ms", "hs"))
        homeroom = next(
            section
            for section in self.timetable.sections
            if section.record.school_sourced_id == es.org_id
            and section.record.class_type == "homeroom"
            and section.record.grades == ("03",)
        )
        english = next(
            section
            for section in self.timetable.sections
            if section.record.school_sourced_id == hs.org_id
            and section.record.subjects == ("English",)
        )
        assert self.cast_family is not None
        assert self.adult_student is not None
        family = self.cast_family
        student = next(s for s in hs.students["10"] if s.family is not family)
        return Cast(
            superintendent=titled("Superintendent").sourced_id,
            technology_director=titled("Director of Technology").sourced_id,
            records_officer=titled("Records Officer").sourced_id,
            principals={
                school.level.key: role_at("principal", school.org_id).sourced_id
                for school in (es, ms, hs)
            },
            teacher_es=homeroom.teacher.sourced_id,
            teacher_hs=english.teacher.sourced_id,
            student_hs=student.sourced_id,
            guardian=family.guardians[0].sourced_id,
            guardian_children=(family.children[0].sourced_id, family.children[1].sourced_id),
            adult_student=self.adult_student.sourced_id,
        )

    # -- records ----------------------------------------------------------------

    def org_records(self) -> list[OrgRecord]:
        orgs = [
            OrgRecord(
                sourced_id=self.district_id, name=DISTRICT_NAME, type="district", identifier="MVPS"
            )
        ]
        for school in self.schools:
            grades = school.level.grades
            orgs.append(
                OrgRecord(
                    sourced_id=school.org_id,
                    name=school.name,
                    type="school",
                    identifier=school.org_id.upper().replace("-", ""),
                    parent_sourced_id=self.district_id,
                    metadata={"lowGrade": grades[0], "highGrade": grades[-1]},
                )
            )
        return orgs

    @staticmethod
    def session_records() -> list[AcademicSessionRecord]:
        return [
            AcademicSessionRecord(
                sourced_id=YEAR_ID,
                title="2026-27",
                type="schoolYear",
                start_date=YEAR_START,
                end_date=YEAR_END,
                school_year=SCHOOL_YEAR,
            ),
            AcademicSessionRecord(
                sourced_id=FALL_ID,
                title="Fall 2026",
                type="semester",
                start_date=YEAR_START,
                end_date=FALL_END,
                school_year=SCHOOL_YEAR,
                parent_sourced_id=YEAR_ID,
            ),
            AcademicSessionRecord(
                sourced_id=SPRING_ID,
                title="Spring 2027",
                type="semester",
                start_date=SPRING_START,
                end_date=YEAR_END,
                school_year=SCHOOL_YEAR,
                parent_sourced_id=YEAR_ID,
            ),
        ]

    def user_records(self, dataset: Dataset) -> None:
        users, roles, demographics = dataset.users, dataset.roles, dataset.demographics
        rng = self.rng
        for number, staff in enumerate(self.staff, start=1):
            username = self.username(staff)
            users.append(
                UserRecord(
                    sourced_id=staff.sourced_id,
                    given_name=staff.given_name,
                    family_name=staff.family_name,
                    middle_name=staff.middle_name,
                    username=username,
                    user_ids=(f"{{SIS:E{number:05d}}}", f"{{LDAP:{username}}}"),
                    identifier=f"E{number:05d}",
                    email=f"{username}@{STAFF_DOMAIN}",
                    phone=f"{AREA_CODES[0]}-555-01{number % 100:02d}",
                    preferred_given_name=self.preferred(staff),
                    primary_org_sourced_id=staff.org_id,
                    pronouns=self.pronouns(staff, 0.4),
                    metadata={"title": staff.title},
                )
            )
            roles.append(self.role(staff.sourced_id, staff.role, staff.org_id))
        for number, student in enumerate(self.students, start=1):
            username = self.username(student)
            family = student.family
            assert family is not None
            users.append(
                UserRecord(
                    sourced_id=student.sourced_id,
                    given_name=student.given_name,
                    family_name=student.family_name,
                    middle_name=student.middle_name,
                    username=username,
                    user_ids=(f"{{SIS:{100000 + number}}}",),
                    identifier=str(100000 + number),
                    email=""
                    if student.grade in NO_EMAIL_GRADES
                    else f"{username}@{STUDENT_DOMAIN}",
                    agent_sourced_ids=tuple(g.sourced_id for g in family.guardians),
                    grades=(student.grade,),
                    user_master_identifier=f"MA{4_100_000_000 + number * 7:010d}",
                    preferred_given_name=self.preferred(student),
                    primary_org_sourced_id=student.school.org_id,
                    pronouns=self.pronouns(student, 0.2)
                    if student.school.level.key == "hs"
                    else "",
                )
            )
            roles.append(self.role(student.sourced_id, "student", student.school.org_id))
            demographics.append(
                DemographicRecord(
                    sourced_id=student.sourced_id, birth_date=student.birth_date, sex=student.sex
                )
            )
        for family in self.families:
            children = tuple(child.sourced_id for child in family.children)
            for guardian in family.guardians:
                email = ""
                if rng.random() < 0.92:
                    base = f"{ascii_name(guardian.given_name)}.{ascii_name(guardian.family_name)}"
                    local = self.unique(self.emails, base)
                    email = f"{local}@{rng.choice(FAMILY_DOMAINS)}"
                phone = self.phone()
                users.append(
                    UserRecord(
                        sourced_id=guardian.sourced_id,
                        given_name=guardian.given_name,
                        family_name=guardian.family_name,
                        middle_name=guardian.middle_name,
                        email=email,
                        phone=phone,
                        sms=phone if rng.random() < 0.6 else "",
                        agent_sourced_ids=children,
                        primary_org_sourced_id=self.district_id,
                        metadata={"preferredLanguage": family.language},
                    )
                )
                roles.append(
                    self.role(guardian.sourced_id, guardian.relationship, self.district_id)
                )

    def preferred(self, person: Person) -> str:
        nickname = NICKNAMES.get(person.given_name, "")
        return nickname if nickname and self.rng.random() < 0.3 else ""

    @staticmethod
    def role(user_id: str, role: str, org_id: str) -> RoleRecord:
        return RoleRecord(
            sourced_id=f"role-{user_id}",
            user_sourced_id=user_id,
            role=role,
            org_sourced_id=org_id,
            role_type="primary",
        )

    def class_records(self, dataset: Dataset) -> None:
        classes, enrollments = dataset.classes, dataset.enrollments
        number = 0

        def enrollment_ids() -> Iterator[str]:
            nonlocal number
            while True:
                number += 1
                yield f"enr-{number:07d}"

        ids = enrollment_ids()
        for section in self.timetable.sections:
            record = section.record
            classes.append(record)
            school = record.school_sourced_id
            enrollments.append(
                EnrollmentRecord(
                    sourced_id=next(ids),
                    class_sourced_id=record.sourced_id,
                    school_sourced_id=school,
                    user_sourced_id=section.teacher.sourced_id,
                    role="teacher",
                    primary=True,
                )
            )
            for student in section.students:
                enrollments.append(
                    EnrollmentRecord(
                        sourced_id=next(ids),
                        class_sourced_id=record.sourced_id,
                        school_sourced_id=school,
                        user_sourced_id=student.sourced_id,
                        role="student",
                    )
                )
