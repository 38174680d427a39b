"""The demo district: what the generator makes, and what `aup demo` loads."""

from __future__ import annotations

import collections
import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction

from openaup.accounts.access import access_for
from openaup.accounts.choices import Role
from openaup.audit.models import AuditEvent
from openaup.directory.choices import PersonKind, RecordSource
from openaup.directory.demo.generator import DemoDistrict, generate
from openaup.directory.demo.services import SIGN_INS
from openaup.directory.models import Enrollment, GuardianLink, Person, School
from openaup.directory.oneroster.records import Dataset
from openaup.directory.services import import_roster, roster_summary

SCHOOL_YEAR_START = datetime.date(2026, 8, 24)
GRADES = ("PK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
GUARDIAN_ROLES = {"parent", "guardian", "relative"}
STUDENTS = 120


@pytest.fixture(scope="module")
def district() -> DemoDistrict:
    return generate(STUDENTS, seed=11)


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def roles_of(dataset: Dataset) -> dict[str, list[tuple[str, str]]]:
    roles: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for role in dataset.roles:
        roles[role.user_sourced_id].append((role.role, role.org_sourced_id))
    return roles


def test_the_same_seed_gives_the_same_district() -> None:
    first, again = generate(STUDENTS, seed=5), generate(STUDENTS, seed=5)
    assert first.dataset == again.dataset
    assert first.cast == again.cast
    assert first.links_without_rights == again.links_without_rights
    other = generate(STUDENTS, seed=6)
    assert [u.given_name for u in other.dataset.users] != [
        u.given_name for u in first.dataset.users
    ]


def test_three_schools_with_their_grade_ranges(district: DemoDistrict) -> None:
    dataset = district.dataset
    (org,) = [org for org in dataset.orgs if org.type == "district"]
    assert org.name == "Maple Valley Public Schools"
    schools = {org.name: org for org in dataset.orgs if org.type == "school"}
    assert {
        name: (org.metadata["lowGrade"], org.metadata["highGrade"]) for name, org in schools.items()
    } == {
        "Maple Valley Elementary": ("PK", "05"),
        "Maple Valley Middle": ("06", "08"),
        "Maple Valley High": ("09", "12"),
    }
    grade_range = {
        org.sourced_id: GRADES[
            GRADES.index(org.metadata["lowGrade"]) : GRADES.index(org.metadata["highGrade"]) + 1
        ]
        for org in schools.values()
    }
    roles = roles_of(dataset)
    students = [user for user in dataset.users if roles[user.sourced_id][0][0] == "student"]
    for student in students:
        ((_, school),) = roles[student.sourced_id]
        assert student.grades[0] in grade_range[school], student
    # Every grade from pre-K to 12 has students.
    assert {student.grades[0] for student in students} == set(GRADES)
    # Each school has its principal (a OneRoster 1.2 principal role).
    principals = collections.Counter(
        org for user_roles in roles.values() for role, org in user_roles if role == "principal"
    )
    assert principals == dict.fromkeys(grade_range, 1)


def test_exactly_the_students_asked_for_and_staff_to_match() -> None:
    dataset = generate(1500).dataset
    roles = collections.Counter(role.role for role in dataset.roles)
    assert roles["student"] == 1500
    staff = sum(n for role, n in roles.items() if role not in GUARDIAN_ROLES | {"student"})
    assert 1500 / 25 <= staff <= 1500 / 12
    guardians = sum(roles[role] for role in GUARDIAN_ROLES)
    assert 1.3 * 1500 <= guardians <= 1.9 * 1500
    assert roles["parent"] > roles["guardian"] > 0
    assert roles["relative"] > 0


def test_every_student_has_one_or_two_guardians(district: DemoDistrict) -> None:
    dataset = district.dataset
    roles = roles_of(dataset)
    users = {user.sourced_id: user for user in dataset.users}
    counts = collections.Counter()
    for user in dataset.users:
        if roles[user.sourced_id][0][0] != "student":
            continue
        assert 1 <= len(user.agent_sourced_ids) <= 2, user
        counts[len(user.agent_sourced_ids)] += 1
        for agent in user.agent_sourced_ids:
            assert roles[agent][0][0] in GUARDIAN_ROLES
            # The guardian's row names the child back.
            assert user.sourced_id in users[agent].agent_sourced_ids
    assert counts[1] > 0
    assert counts[2] > counts[1]
    # Siblings share their guardians.
    children = collections.Counter(
        len(user.agent_sourced_ids)
        for user in dataset.users
        if roles[user.sourced_id][0][0] in GUARDIAN_ROLES
    )
    assert children[2] > 0


def test_some_links_without_educational_rights(district: DemoDistrict) -> None:
    dataset = district.dataset
    without = set(district.links_without_rights)
    assert without
    students = {u.sourced_id: u for u in dataset.users if u.sourced_id.startswith("stu-")}
    for student_id, guardian_id in without:
        assert guardian_id in students[student_id].agent_sourced_ids
    # Every student keeps a guardian with rights; the guardian sign-in keeps them on both.
    for student in students.values():
        assert any((student.sourced_id, g) not in without for g in student.agent_sourced_ids)
    assert not {guardian for _, guardian in without} & {district.cast.guardian}


def test_a_family_with_children_in_two_schools(district: DemoDistrict) -> None:
    roles = roles_of(district.dataset)
    users = {user.sourced_id: user for user in district.dataset.users}
    cast = district.cast
    children = users[cast.guardian].agent_sourced_ids
    assert set(children) == set(cast.guardian_children)
    assert {roles[child][0][1] for child in children} == {"mv-es", "mv-hs"}
    assert roles[cast.guardian][0][0] == "parent"


def test_an_adult_student_and_birth_dates_that_fit_the_grade(district: DemoDistrict) -> None:
    dataset = district.dataset
    grades = {u.sourced_id: u.grades[0] for u in dataset.users if u.sourced_id.startswith("stu-")}
    births = {d.sourced_id: d.birth_date for d in dataset.demographics}
    assert set(births) == set(grades)
    adult = district.cast.adult_student
    assert grades[adult] == "12"
    assert age_on(births[adult], SCHOOL_YEAR_START) >= 18
    cutoff = datetime.date(2026, 9, 1)
    for student, grade in grades.items():
        if student == adult:
            continue
        expected = GRADES.index(grade) + 4  # PK: 4, KG: 5, ..., 12: 17
        assert age_on(births[student], cutoff) in (expected, expected + 1), (student, grade)


def test_the_youngest_students_have_no_email(district: DemoDistrict) -> None:
    students = [u for u in district.dataset.users if u.sourced_id.startswith("stu-")]
    without = [s for s in students if not s.email]
    assert without
    assert {s.grades[0] for s in without} <= {"PK", "KG", "01", "02"}
    for student in students:
        if student.email:
            assert student.email.endswith("@students.maplevalley.k12.example")


def test_contacts_are_made_up(district: DemoDistrict) -> None:
    roles = roles_of(district.dataset)
    phone = re.compile(r"^\d{3}-555-01\d\d$")
    for user in district.dataset.users:
        role = roles[user.sourced_id][0][0]
        if user.phone:
            assert phone.match(user.phone), user.phone
        if role in GUARDIAN_ROLES:
            assert user.phone
            if user.email:
                assert user.email.rsplit("@", 1)[1] in {"example.com", "example.net", "example.org"}
        elif role != "student":
            assert user.email.endswith("@maplevalley.k12.example")
    usernames = [u.username for u in district.dataset.users if u.username]
    assert len(usernames) == len(set(usernames))


def test_spanish_speaking_families_ask_for_spanish() -> None:
    dataset = generate(400, seed=3).dataset
    languages = {
        u.sourced_id: u.metadata["preferredLanguage"]
        for u in dataset.users
        if "preferredLanguage" in u.metadata
    }
    assert set(languages.values()) == {"en", "es"}
    spanish = [u for u in dataset.users if languages.get(u.sourced_id) == "es"]
    assert any(
        any(ch in u.family_name for ch in "áéíóúñ") or u.family_name.endswith("ez") for u in spanish
    )
    # A family's guardians share their language.
    users = {u.sourced_id: u for u in dataset.users}
    for user in dataset.users:
        if user.sourced_id.startswith("stu-"):
            assert len({languages[g] for g in user.agent_sourced_ids}) == 1
            assert all(g in users for g in user.agent_sourced_ids)


def test_classes_homerooms_and_schedules(district: DemoDistrict) -> None:
    dataset = district.dataset
    classes = {c.sourced_id: c for c in dataset.classes}
    by_class = collections.defaultdict(list)
    by_student = collections.defaultdict(list)
    for enrollment in dataset.enrollments:
        by_class[enrollment.class_sourced_id].append(enrollment)
        if enrollment.role == "student":
            by_student[enrollment.user_sourced_id].append(classes[enrollment.class_sourced_id])
    # Every section has exactly one teacher, enrolled as teacher.
    for class_id in classes:
        teachers = [e for e in by_class[class_id] if e.role == "teacher"]
        assert len(teachers) == 1
        assert teachers[0].primary
    roles = roles_of(dataset)
    sessions = {s.sourced_id for s in dataset.academic_sessions if s.type == "semester"}
    assert len(sessions) == 2
    for user in dataset.users:
        if roles[user.sourced_id][0][0] != "student":
            continue
        sections = by_student[user.sourced_id]
        assert [s.class_type for s in sections].count("homeroom") == 1
        scheduled = [s for s in sections if s.class_type == "scheduled"]
        if user.grades[0] >= "06" and user.grades[0] not in ("KG", "PK"):
            assert len(scheduled) >= 8
        for section in sections:
            assert set(section.term_sourced_ids) <= sessions
    # Nobody is in two classes in the same period of the same semester.
    seen: set[tuple[str, str, str]] = set()
    for enrollment in dataset.enrollments:
        section = classes[enrollment.class_sourced_id]
        for period in section.periods:
            for term in section.term_sourced_ids:
                slot = (enrollment.user_sourced_id, term, period)
                assert slot not in seen, slot
                seen.add(slot)


# --- loading: `aup demo` ----------------------------------------------------------------------


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--students", str(STUDENTS), *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_aup_demo_loads_the_district_and_every_sign_in_works() -> None:
    output = load()

    assert "Loaded Maple Valley Public Schools" in output
    schools = {school.name: school for school in School.objects.all()}
    assert {name: school.grade_range for name, school in schools.items()} == {
        "Maple Valley Elementary": "PK-5",
        "Maple Valley Middle": "6-8",
        "Maple Valley High": "9-12",
    }
    assert all(school.principal is not None for school in schools.values())
    summary = roster_summary()
    assert summary["students"] == STUDENTS
    assert summary["schools"] == 3

    password = settings.OPENAUP_DEMO_PASSWORD
    users = {}
    for username, _ in SIGN_INS:
        user = authenticate(username=username, password=password)
        assert user is not None, username
        users[username] = user
    assert authenticate(username="admin", password="not the password") is None

    assert access_for(users["admin"]).is_district_admin
    assert access_for(users["tech"]).is_tech_staff
    assert access_for(users["records"]).district_has(Role.RECORDS_OFFICER)
    for level, name in (("es", "Elementary"), ("ms", "Middle"), ("hs", "High")):
        school = schools[f"Maple Valley {name}"]
        principal = users[f"principal.{level}"]
        assert school.principal == principal.person
        assert access_for(principal).schools_with(Role.SCHOOL_ADMIN) == {school.pk}
    for username, name in (("teacher.es", "Elementary"), ("teacher.hs", "High")):
        teacher = users[username].person
        assert Enrollment.objects.filter(
            person=teacher, role="teacher", section__school=schools[f"Maple Valley {name}"]
        ).exists()
        assert access_for(users[username]).has(Role.TEACHER)
    student = users["student.hs"].person
    assert (student.kind, student.school) == (PersonKind.STUDENT, schools["Maple Valley High"])
    contractor = users["contractor"].person
    assert (contractor.kind, contractor.source) == (PersonKind.CONTRACTOR, RecordSource.LOCAL)
    assert contractor.sourced_id == "local-contractor-1"

    # The guardian sign-in: two children in two schools, educational rights on both.
    links = GuardianLink.objects.filter(guardian=users["guardian"].person)
    assert len(links) == 2
    assert {link.student.school.name for link in links} == {
        "Maple Valley Elementary",
        "Maple Valley High",
    }
    assert all(link.has_educational_rights for link in links)
    assert access_for(users["guardian"]).has(Role.GUARDIAN)


@pytest.mark.django_db
def test_the_loaded_district_has_what_a_demo_needs(district: DemoDistrict) -> None:
    load("--seed", "11")

    # Some guardians do not hold educational rights: relatives listed as contacts, and
    # parents the district cleared them for by hand.
    without = GuardianLink.objects.filter(has_educational_rights=False)
    assert without.count() == len(district.links_without_rights)
    cleared = without.exclude(relationship="relative")
    assert cleared.exists()
    assert all(link.rights_set_locally for link in cleared)
    # Every student has one or two guardians.
    per_student = collections.Counter(GuardianLink.objects.values_list("student_id", flat=True))
    students = Person.objects.filter(kind=PersonKind.STUDENT)
    assert {per_student[pk] for pk in students.values_list("pk", flat=True)} == {1, 2}
    # An adult student, and students without an email address.
    adult = students.get(sourced_id=district.cast.adult_student)
    assert adult.is_adult
    assert students.filter(email="").exists()
    # Spanish-speaking families get notices in Spanish.
    assert GuardianLink.objects.filter(preferred_language="es").exists()


@pytest.mark.django_db
def test_if_empty_does_nothing_the_second_time() -> None:
    load("--if-empty")
    people, events = Person.objects.count(), AuditEvent.objects.count()

    output = load("--if-empty")

    assert "already has people" in output
    assert (Person.objects.count(), AuditEvent.objects.count()) == (people, events)


@pytest.mark.django_db
def test_sign_ins_are_shown_with_the_password_and_the_address() -> None:
    assert "No demo sign-ins yet" in load("--sign-ins")
    load()

    output = load("--sign-ins")

    assert "http://127.0.0.1:8000" in output
    assert settings.OPENAUP_DEMO_PASSWORD in output
    for username, label in SIGN_INS:
        assert re.search(rf"^\s+{re.escape(username)}\s+{re.escape(label)}", output, re.M)
    assert "http://127.0.0.1:8123" in load("--sign-ins", "--url", "http://127.0.0.1:8123")


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_the_exported_district_imports_back_with_the_same_counts(
    tmp_path: Path, version: str
) -> None:
    with transaction.atomic():
        load()
        loaded = roster_summary()
        transaction.set_rollback(True)
    assert roster_summary()["students"] == 0

    target = tmp_path / f"maple-valley-{version}.zip"
    output = load("--export-oneroster", str(target), "--version", version)
    assert f"OneRoster {version}" in output
    with zipfile.ZipFile(target) as archive:
        manifest = archive.read("manifest.csv").decode()
    assert f"oneroster.version,{version}" in manifest

    import_roster(actor=None, path=target)

    assert roster_summary() == loaded
