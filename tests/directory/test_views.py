"""The people directory pages, persona by persona: who is listed, what a person page shows,
what is a 404, and that each page runs a constant number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openaup.directory.choices import Grade, PersonStatus
from tests.directory.factories import (
    EnrollmentFactory,
    GuardianFactory,
    GuardianLinkFactory,
    PersonRoleFactory,
    SectionFactory,
    StaffFactory,
    StudentFactory,
)
from tests.html_tables import first_column, links, table, text
from tests.personas import World

pytestmark = pytest.mark.django_db

PEOPLE = reverse("directory:person-list")


def person_url(person: Any) -> str:
    return reverse("directory:person-detail", args=[person.pk])


def listed(client: Client, user: Any, query: str = "") -> list[str]:
    """The names in the people table, as the user sees them."""
    client.force_login(user)
    response = client.get(PEOPLE + query)
    assert response.status_code == 200
    return first_column(response.content, "People")


def given_names(client: Client, user: Any, query: str = "") -> set[str]:
    return {name.split(", ")[1].removesuffix(" Adult") for name in listed(client, user, query)}


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- anonymous ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client: Client, world: World) -> None:
    for url in (PEOPLE, person_url(world.student_a1)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


# --- the list, persona by persona ----------------------------------------------------------


@pytest.mark.parametrize("persona", ["district_admin", "tech_staff", "records_officer"])
def test_district_roles_list_everyone(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    assert given_names(client, request.getfixturevalue(persona)) == {
        "Tess",
        "Ava",
        "Ben",
        "Cal",
        "Dee",
        "Gina",
        "Otto",
    }


def test_principal_lists_their_school_and_its_families(
    client: Client, principal_a: Any, principal_b: Any
) -> None:
    assert given_names(client, principal_a) == {"Pat", "Tess", "Ava", "Ben", "Cal", "Gina", "Otto"}
    assert given_names(client, principal_b) == {"Pam", "Dee", "Gina"}


def test_teacher_lists_themself_and_their_students(client: Client, teacher: Any) -> None:
    assert given_names(client, teacher) == {"Tess", "Ava", "Ben"}


def test_student_lists_only_themself(client: Client, student: Any) -> None:
    assert given_names(client, student) == {"Ava"}


def test_guardian_lists_themself_and_their_children(client: Client, guardian: Any) -> None:
    assert given_names(client, guardian) == {"Gina", "Ava", "Dee"}


def test_contractor_and_account_without_person(
    client: Client, contractor: Any, no_role_user: Any
) -> None:
    assert given_names(client, contractor) == {"Cory"}
    assert listed(client, no_role_user) == ["Nobody matches this search."]


# --- search and filters --------------------------------------------------------------------


def test_search_by_name_email_and_student_number(
    client: Client, district_admin: Any, world: World
) -> None:
    world.student_b1.identifier = "S-20417"
    world.student_b1.save()
    assert given_names(client, district_admin, "?q=ava") == {"Ava"}
    assert given_names(client, district_admin, "?q=Gina+Guardian") == {"Gina"}
    assert given_names(client, district_admin, f"?q={world.guardian_person.email}") == {"Gina"}
    assert given_names(client, district_admin, "?q=S-20417") == {"Dee"}
    assert listed(client, district_admin, "?q=zzz") == ["Nobody matches this search."]


def test_filters_by_school_grade_role_and_status(
    client: Client, district_admin: Any, world: World
) -> None:
    world.student_a2.status = PersonStatus.DEPARTED
    world.student_a2.departed_on = datetime.date(2026, 1, 30)
    world.student_a2.save()
    school_a = world.school_a.pk
    assert given_names(client, district_admin, f"?school={school_a}&kind=student") == {
        "Ava",
        "Ben",
        "Cal",
    }
    assert given_names(client, district_admin, f"?school={school_a}&grade=04") == {"Cal"}
    assert given_names(client, district_admin, "?kind=guardian") == {"Gina", "Otto"}
    assert given_names(client, district_admin, "?status=departed") == {"Ben"}
    row = table(
        client.get(PEOPLE + "?status=departed").content,
        "People",
    )[0]
    assert row[-1] == "Departed Jan. 30, 2026"


def test_filters_never_widen_the_scope(client: Client, principal_b: Any, world: World) -> None:
    assert listed(client, principal_b, f"?school={world.school_a.pk}") == [
        "Nobody matches this search."
    ]
    assert listed(client, principal_b, "?q=Ava") == ["Nobody matches this search."]


def test_section_filter_lists_a_teachers_class(client: Client, teacher: Any, world: World) -> None:
    client.force_login(teacher)
    response = client.get(f"{PEOPLE}?section={world.section_a.pk}&kind=student")
    assert [n.split(", ")[1] for n in first_column(response.content, "People")] == ["Ava", "Ben"]
    assert "Members of Grade 3 Homeroom (School A)" in text(response.content)


def test_bad_filter_values_are_reported(client: Client, district_admin: Any) -> None:
    client.force_login(district_admin)
    response = client.get(PEOPLE + "?grade=99")
    assert response.status_code == 200
    assert "Select a valid choice" in text(response.content)


def test_the_filter_form_offers_every_school(
    client: Client, principal_b: Any, world: World
) -> None:
    client.force_login(principal_b)
    page = client.get(PEOPLE).content.decode()
    assert '<label class="usa-label" for="id_school">School</label>' in page
    assert f'<option value="{world.school_a.pk}">School A</option>' in page


def test_adult_students_are_marked(client: Client, district_admin: Any, world: World) -> None:
    world.student_b1.birth_date = datetime.date(2000, 1, 1)
    world.student_b1.save()
    names = listed(client, district_admin, "?kind=student")
    assert f"{world.student_b1.family_name}, Dee Adult" in names
    assert f"{world.student_a1.family_name}, Ava" in names


def test_pages_of_fifty_keep_the_filters(client: Client, district_admin: Any, world: World) -> None:
    StudentFactory.create_batch(55, school=world.school_b, grade=Grade.G11)
    client.force_login(district_admin)
    first = client.get(f"{PEOPLE}?grade=11")
    assert len(first_column(first.content, "People")) == 50
    assert "Showing 1 to 50 of 55 people" in text(first.content)
    assert links(first.content)["Next"] == "?grade=11&page=2"
    second = client.get(f"{PEOPLE}?grade=11&page=2")
    assert len(first_column(second.content, "People")) == 5
    assert 'aria-current="page">2</a>' in second.content.decode()


# --- a person's page -------------------------------------------------------------------


def detail(client: Client, user: Any, person: Any) -> bytes:
    client.force_login(user)
    response = client.get(person_url(person))
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("principal_b", "student_a1"),
        ("principal_a", "student_b1"),
        ("teacher", "student_b1"),
        ("teacher", "guardian_person"),
        ("student", "student_a2"),
        ("guardian", "student_a2"),
        ("guardian", "other_guardian_person"),
        ("contractor", "student_a1"),
        ("no_role_user", "student_a1"),
    ],
)
def test_out_of_scope_person_is_not_found(
    client: Client, world: World, persona: str, target: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(person_url(getattr(world, target))).status_code == 404


def test_unknown_person_is_not_found(client: Client, district_admin: Any) -> None:
    client.force_login(district_admin)
    assert client.get(reverse("directory:person-detail", args=[999999])).status_code == 404


def test_student_page_shows_sections_with_teachers_and_guardians(
    client: Client, district_admin: Any, world: World
) -> None:
    link = world.student_a1.guardian_links.get(guardian=world.guardian_person)
    link.contact_phone = "555-0142"
    link.preferred_language = "es"
    link.save()
    page = detail(client, district_admin, world.student_a1)
    assert table(page, f"Sections of {world.student_a1.display_name}") == [
        ["Grade 3 Homeroom", "School A", "Student", "Tess Teacher"]
    ]
    guardians = table(page, f"Parents and guardians of {world.student_a1.display_name}")
    assert guardians == [
        [
            world.guardian_person.display_name,
            "Parent",
            "Yes",
            world.guardian_person.email,
            "555-0142",
            "Spanish",
        ],
        [
            world.other_guardian_person.display_name,
            "Parent",
            "No",
            world.other_guardian_person.email,
            "",
            "English",
        ],
    ]
    assert links(page)[world.guardian_person.display_name] == person_url(world.guardian_person)


def test_teacher_sees_guardians_with_rights_but_cannot_open_them(
    client: Client, teacher: Any, world: World
) -> None:
    page = detail(client, teacher, world.student_a1)
    caption = f"Parents and guardians of {world.student_a1.display_name}"
    assert first_column(page, caption) == [world.guardian_person.display_name]
    assert world.guardian_person.display_name not in links(page)


def test_guardian_sees_their_child_and_only_the_shared_section(
    client: Client, guardian: Any, world: World
) -> None:
    art = SectionFactory(school=world.school_a, title="Art")
    EnrollmentFactory(section=art, person=world.student_a2, role="student")
    page = detail(client, guardian, world.student_a1)
    assert first_column(page, f"Sections of {world.student_a1.display_name}") == [
        "Grade 3 Homeroom"
    ]
    caption = f"Parents and guardians of {world.student_a1.display_name}"
    assert first_column(page, caption) == [world.guardian_person.display_name]


def test_guardian_page_lists_children(client: Client, district_admin: Any, world: World) -> None:
    page = detail(client, district_admin, world.guardian_person)
    rows = table(page, f"Children of {world.guardian_person.display_name}")
    assert [row[:3] for row in rows] == [
        [world.student_a1.display_name, "School A", "Grade 3"],
        [world.student_b1.display_name, "School B", "Grade 10"],
    ]
    assert links(page)[world.student_b1.display_name] == person_url(world.student_b1)


def test_principal_sees_only_the_children_at_their_school(
    client: Client, principal_a: Any, world: World
) -> None:
    page = detail(client, principal_a, world.guardian_person)
    caption = f"Children of {world.guardian_person.display_name}"
    assert first_column(page, caption) == [world.student_a1.display_name]
    assert links(page)[world.student_a1.display_name] == person_url(world.student_a1)
    assert world.student_b1.display_name not in text(page)


def test_staff_page_shows_roles_and_taught_sections(
    client: Client, principal_a: Any, world: World
) -> None:
    page = detail(client, principal_a, world.teacher_person)
    caption = f"Roles of {world.teacher_person.display_name}"
    assert table(page, caption) == [["Teacher", "School A", "Yes", "Active"]]
    sections = table(page, f"Sections of {world.teacher_person.display_name}")
    assert sections == [["Grade 3 Homeroom", "School A", "Teacher", "Tess Teacher"]]


def test_departed_adult_student_page(client: Client, district_admin: Any, world: World) -> None:
    dee = world.student_b1
    dee.birth_date = datetime.date(2000, 5, 1)
    dee.status = PersonStatus.DEPARTED
    dee.departed_on = datetime.date(2026, 6, 12)
    dee.save()
    page = text(detail(client, district_admin, dee))
    assert "Adult student" in page
    assert "holds their own rights" in page
    assert "Departed on June 12, 2026" in page


def test_people_see_their_own_page(client: Client, student: Any, guardian: Any) -> None:
    assert "Grade 3 Homeroom" in text(detail(client, student, student.person))
    own = detail(client, guardian, guardian.person)
    assert len(table(own, f"Children of {guardian.person.display_name}")) == 2


# --- queries do not grow with rows ----------------------------------------------------


def add_people(world: World, n: int) -> None:
    for _ in range(n):
        student = StudentFactory(school=world.school_a)
        GuardianLinkFactory(student=student, guardian=GuardianFactory())
        staff = StaffFactory(school=world.school_b, title="Counselor")
        PersonRoleFactory(person=staff, role="counselor", school=world.school_b)


def test_people_list_queries_do_not_grow_with_rows(
    client: Client,
    district_admin: Any,
    world: World,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(district_admin)
    add_people(world, 3)
    few = count_queries(client, PEOPLE)
    add_people(world, 27)
    with django_assert_max_num_queries(few):
        response = client.get(PEOPLE)
    assert len(first_column(response.content, "People")) == 50


def test_person_page_queries_do_not_grow_with_rows(
    client: Client,
    principal_a: Any,
    world: World,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(principal_a)
    ava = world.student_a1

    def add(n: int) -> None:
        for _ in range(n):
            section = SectionFactory(school=world.school_a)
            EnrollmentFactory(section=section, person=ava, role="student")
            EnrollmentFactory(section=section, person=StaffFactory(), role="teacher")
            GuardianLinkFactory(student=ava, guardian=GuardianFactory())
            PersonRoleFactory(person=ava, role="student", school=SectionFactory().school)

    add(3)
    few = count_queries(client, person_url(ava))
    add(27)
    with django_assert_max_num_queries(few):
        response = client.get(person_url(ava))
    assert len(table(response.content, f"Sections of {ava.display_name}")) == 31


def test_home_queries_do_not_grow_with_rows(
    client: Client,
    district_admin: Any,
    world: World,
    django_assert_max_num_queries: Any,
) -> None:
    from tests.directory.factories import SchoolFactory

    client.force_login(district_admin)
    for _ in range(3):
        StudentFactory(school=SchoolFactory())
    few = count_queries(client, reverse("home"))
    for _ in range(27):
        StudentFactory(school=SchoolFactory())
    with django_assert_max_num_queries(few):
        client.get(reverse("home"))
