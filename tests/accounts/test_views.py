"""Sign-in, sign-out and the home page of each persona."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory
from tests.html_tables import first_column, links, table, text
from tests.personas import World

pytestmark = pytest.mark.django_db

SCHOOLS = "Active students, staff and sections per school"


def home(client: Client, user: Any) -> bytes:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content


def test_sign_in_page_is_public_and_labelled(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<label class="usa-label" for="id_username">' in page
    assert '<label class="usa-label" for="id_password">' in page


def test_signing_in_leads_home(client: Client, teacher: Any) -> None:
    response = client.post(reverse("login"), {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "Welcome, Tess Teacher" in text(client.get(reverse("home")).content)


def test_signing_in_returns_to_the_page_asked_for(client: Client, teacher: Any) -> None:
    people = reverse("directory:person-list")
    response = client.post(
        reverse("login"), {"username": "teacher", "password": PASSWORD, "next": people}
    )
    assert response["Location"] == people


def test_wrong_password_is_refused_with_a_message(client: Client, teacher: Any) -> None:
    response = client.post(reverse("login"), {"username": "teacher", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in text(response.content)
    assert "_auth_user_id" not in client.session


def test_signed_in_visitor_skips_the_sign_in_page(client: Client, teacher: Any) -> None:
    client.force_login(teacher)
    assert client.get(reverse("login"))["Location"] == reverse("home")


def test_sign_out_ends_the_session(client: Client, teacher: Any) -> None:
    client.force_login(teacher)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have signed out." in text(response.content)
    assert client.get(reverse("home")).status_code == 302


def test_sign_out_needs_a_post(client: Client, teacher: Any) -> None:
    client.force_login(teacher)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_home_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=/")


@pytest.mark.parametrize("persona", ["district_admin", "tech_staff", "records_officer"])
def test_district_roles_see_counts_per_school(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    page = home(client, request.getfixturevalue(persona))
    assert table(page, SCHOOLS) == [
        ["School A", "PK-5", "3", "1", "1"],
        ["School B", "9-12", "1", "0", "0"],
    ]
    assert "The district" in text(page)


def test_records_officer_is_told_they_only_read(client: Client, records_officer: Any) -> None:
    assert "can read the whole directory" in text(home(client, records_officer))


def test_principal_sees_only_their_school(
    client: Client, principal_a: Any, principal_b: Any
) -> None:
    assert table(home(client, principal_a), SCHOOLS) == [["School A", "PK-5", "3", "2", "1"]]
    page_b = home(client, principal_b)
    assert table(page_b, SCHOOLS) == [["School B", "9-12", "1", "1", "0"]]
    assert "School A" not in text(page_b)


def test_teacher_sees_their_sections(client: Client, teacher: Any, world: World) -> None:
    page = home(client, teacher)
    assert table(page, "Sections you teach") == [["Grade 3 Homeroom", "School A", "2"]]
    href = links(page)["Grade 3 Homeroom"]
    assert href == f"{reverse('directory:person-list')}?section={world.section_a.pk}&kind=student"


def test_student_sees_themself_and_their_classes(
    client: Client, student: Any, world: World
) -> None:
    page = home(client, student)
    assert "Grade 3 Homeroom" in text(page)
    record = reverse("directory:person-detail", args=[world.student_a1.pk])
    assert links(page)["Your record in the directory"] == record
    assert "School B" not in text(page)


def test_guardian_sees_their_children(client: Client, guardian: Any, world: World) -> None:
    page = home(client, guardian)
    rows = table(page, "Children linked to you")
    assert [row[:2] for row in rows] == [
        [world.student_a1.display_name, "School A"],
        [world.student_b1.display_name, "School B"],
    ]
    assert links(page)[world.student_b1.display_name] == reverse(
        "directory:person-detail", args=[world.student_b1.pk]
    )


def test_guardian_without_rights_sees_the_child_named_but_not_opened(
    client: Client, world: World
) -> None:
    otto = UserFactory(person=world.other_guardian_person)
    page = home(client, otto)
    assert first_column(page, "Children linked to you") == [world.student_a1.display_name]
    assert world.student_a1.display_name not in links(page)
    assert "you cannot see the child's records" in text(page)


def test_contractor_is_told_about_grants(client: Client, contractor: Any) -> None:
    page = text(home(client, contractor))
    assert "a sponsor has granted you" in page
    assert "School A" not in page


def test_account_without_role_is_told_so(client: Client, no_role_user: Any) -> None:
    page = text(home(client, no_role_user))
    assert "Your account has no role yet" in page
    assert "School A" not in page


def test_roster_imports_are_in_the_menu_of_technology_staff_only(
    client: Any, tech_staff: Any, principal_a: Any
) -> None:
    client.force_login(tech_staff)
    assert 'href="/directory/imports/"' in client.get("/").content.decode()
    client.force_login(principal_a)
    assert 'href="/directory/imports/"' not in client.get("/").content.decode()


def test_menu_links_to_access_grants_for_staff_wide_roles_and_contractors(
    client: Any, tech_staff: Any, contractor: Any, teacher: Any
) -> None:
    for user, shown in ((tech_staff, True), (contractor, True), (teacher, False)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert ('href="/access/grants/"' in page) is shown, user.username


def test_menu_links_adult_students_to_their_parents_access(
    client: Any, student: Any, world: World
) -> None:
    client.force_login(student)
    assert 'href="/access/guardians/"' not in client.get("/").content.decode()
    world.student_a1.birth_date = datetime.date.today() - datetime.timedelta(days=19 * 366)
    world.student_a1.save()
    client.force_login(student)
    assert 'href="/access/guardians/"' in client.get("/").content.decode()
