"""The directory's REST API, persona by persona: who gets what, filters, nested links,
read-only, and a constant number of queries per list."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openaup.api_urls import router
from openaup.directory.choices import PersonStatus
from openaup.directory.filters import PersonFilter, SectionFilter, StudentFilter
from tests.accounts.factories import PASSWORD
from tests.directory.factories import (
    EnrollmentFactory,
    GuardianFactory,
    GuardianLinkFactory,
    PersonRoleFactory,
    SchoolFactory,
    SectionFactory,
    StaffFactory,
    StudentFactory,
)
from tests.personas import World

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/schools/", "/api/people/", "/api/students/", "/api/sections/"]


def get(client: Client, user: Any, url: str, status: int = 200) -> Any:
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == status, response.content[:500]
    return response.json()


def given_names(data: dict[str, Any]) -> set[str]:
    return {row["given_name"] for row in data["results"]}


# --- sign-in ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*ENDPOINTS, "/api/people/1/", "/api/", "/api/schema/"])
def test_anonymous_callers_are_refused(client: Client, world: World, url: str) -> None:
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code in (401, 403)
    assert b"results" not in response.content
    assert b"School A" not in response.content


def test_wrong_basic_credentials_are_refused(client: Client, district_admin: Any) -> None:
    token = base64.b64encode(b"admin:wrong").decode()
    response = client.get("/api/students/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code in (401, 403)
    assert b"results" not in response.content


def test_basic_authentication_works(client: Client, district_admin: Any) -> None:
    token = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    response = client.get("/api/students/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 200
    assert response.json()["count"] == 4


def test_api_root_lists_the_endpoints(client: Client, teacher: Any) -> None:
    from openaup.filtering.api import ROUTES as FILTERING
    from openaup.monitoring.api import ROUTES as MONITORING
    from openaup.policies.api import ROUTES as POLICIES

    data = get(client, teacher, "/api/")
    others = {prefix for prefix, _, _ in [*POLICIES, *FILTERING, *MONITORING]}
    assert {"campaigns", "signatures", "policy-versions", "filter-profiles"} <= others
    assert set(data) == {"schools", "people", "students", "sections", *others}


def test_api_is_read_only(client: Client, district_admin: Any, world: World) -> None:
    client.force_login(district_admin)
    assert client.post("/api/students/", {}).status_code == 405
    url = f"/api/people/{world.student_a1.pk}/"
    assert client.delete(url).status_code == 405
    assert client.patch(url, {}, content_type="application/json").status_code == 405


# --- students ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "count"),
    [
        ("district_admin", 4),
        ("tech_staff", 4),
        ("records_officer", 4),
        ("principal_a", 3),
        ("principal_b", 1),
        ("teacher", 2),
        ("student", 1),
        ("guardian", 2),
        ("contractor", 0),
        ("no_role_user", 0),
    ],
)
def test_students_count_per_persona(
    client: Client, persona: str, count: int, request: pytest.FixtureRequest
) -> None:
    assert get(client, request.getfixturevalue(persona), "/api/students/")["count"] == count


def test_student_record(client: Client, teacher: Any, world: World) -> None:
    data = get(client, teacher, "/api/students/")
    assert data["next"] is None
    ava = next(row for row in data["results"] if row["given_name"] == "Ava")
    assert ava == {
        "id": world.student_a1.pk,
        "sourced_id": world.student_a1.sourced_id,
        "identifier": "",
        "display_name": world.student_a1.display_name,
        "given_name": "Ava",
        "family_name": world.student_a1.family_name,
        "preferred_given_name": "",
        "grade": "03",
        "school": world.school_a.pk,
        "school_name": "School A",
        "email": "",
        "status": "active",
        "departed_on": None,
        "is_adult": False,
    }


def test_students_filter_by_school_grade_and_status(
    client: Client, district_admin: Any, world: World
) -> None:
    world.student_a2.status = PersonStatus.DEPARTED
    world.student_a2.departed_on = world.student_a2.created_at.date()
    world.student_a2.save()
    school_a, school_b = world.school_a.pk, world.school_b.pk
    assert given_names(get(client, district_admin, f"/api/students/?school={school_a}")) == {
        "Ava",
        "Ben",
        "Cal",
    }
    assert given_names(get(client, district_admin, f"/api/students/?school={school_b}")) == {"Dee"}
    assert given_names(get(client, district_admin, "/api/students/?grade=03")) == {"Ava", "Ben"}
    url = f"/api/students/?school={school_a}&grade=03&status=active"
    assert given_names(get(client, district_admin, url)) == {"Ava"}


def test_students_filter_cannot_widen_scope(client: Client, principal_b: Any, world: World) -> None:
    data = get(client, principal_b, f"/api/students/?school={world.school_a.pk}")
    assert data["count"] == 0


def test_students_bad_filter_is_a_400(client: Client, district_admin: Any) -> None:
    data = get(client, district_admin, "/api/students/?grade=99", status=400)
    assert "grade" in data
    get(client, district_admin, "/api/students/?school=999999", status=400)


def test_students_are_paginated(client: Client, district_admin: Any, world: World) -> None:
    StudentFactory.create_batch(51, school=world.school_b)
    first = get(client, district_admin, "/api/students/")
    assert first["count"] == 55
    assert len(first["results"]) == 50
    assert first["next"].endswith("/api/students/?page=2")
    second = get(client, district_admin, "/api/students/?page=2")
    assert len(second["results"]) == 5
    assert second["next"] is None


# --- people -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("district_admin", {"Tess", "Ava", "Ben", "Cal", "Dee", "Gina", "Otto"}),
        ("principal_a", {"Pat", "Tess", "Ava", "Ben", "Cal", "Gina", "Otto"}),
        ("principal_b", {"Pam", "Dee", "Gina"}),
        ("teacher", {"Tess", "Ava", "Ben"}),
        ("student", {"Ava"}),
        ("guardian", {"Gina", "Ava", "Dee"}),
        ("contractor", {"Cory"}),
        ("no_role_user", set()),
    ],
)
def test_people_per_persona(
    client: Client, persona: str, names: set[str], request: pytest.FixtureRequest
) -> None:
    data = get(client, request.getfixturevalue(persona), "/api/people/")
    assert given_names(data) == names
    assert data["count"] == len(names)


def test_people_search_and_filters(client: Client, district_admin: Any, world: World) -> None:
    assert given_names(get(client, district_admin, "/api/people/?q=gina")) == {"Gina"}
    assert given_names(get(client, district_admin, "/api/people/?kind=guardian")) == {
        "Gina",
        "Otto",
    }
    url = f"/api/people/?section={world.section_a.pk}&kind=student"
    assert given_names(get(client, district_admin, url)) == {"Ava", "Ben"}


def test_person_lists_roles(client: Client, district_admin: Any, world: World) -> None:
    data = get(client, district_admin, f"/api/people/{world.teacher_person.pk}/")
    assert data["kind"] == "staff"
    assert data["roles"] == [
        {
            "role": "teacher",
            "school": world.school_a.pk,
            "is_primary": True,
            "is_active": True,
            "begin_date": None,
            "end_date": None,
        }
    ]


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("principal_b", "student_a1"),
        ("teacher", "student_b1"),
        ("teacher", "guardian_person"),
        ("guardian", "student_a2"),
        ("student", "student_a2"),
        ("contractor", "student_a1"),
    ],
)
def test_out_of_scope_person_is_404(
    client: Client, world: World, persona: str, target: str, request: pytest.FixtureRequest
) -> None:
    url = f"/api/people/{getattr(world, target).pk}/"
    get(client, request.getfixturevalue(persona), url, status=404)


def guardian_names(data: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(link["guardian_name"], link["has_educational_rights"]) for link in data["guardians"]]


def test_student_record_lists_the_guardians_the_caller_may_see(
    client: Client, district_admin: Any, teacher: Any, guardian: Any, world: World
) -> None:
    url = f"/api/people/{world.student_a1.pk}/"
    gina = world.guardian_person.display_name
    otto = world.other_guardian_person.display_name
    assert sorted(guardian_names(get(client, district_admin, url))) == sorted(
        [(gina, True), (otto, False)]
    )
    assert guardian_names(get(client, teacher, url)) == [(gina, True)]
    mine = get(client, guardian, url)
    assert guardian_names(mine) == [(gina, True)]
    assert mine["guardians"][0]["contact_email"] == world.guardian_person.email
    assert mine["children"] == []


def test_guardian_record_lists_children(
    client: Client, district_admin: Any, principal_b: Any, world: World
) -> None:
    url = f"/api/people/{world.guardian_person.pk}/"
    children = [link["student_name"] for link in get(client, district_admin, url)["children"]]
    assert sorted(children) == sorted(
        [world.student_a1.display_name, world.student_b1.display_name]
    )
    seen_by_b = [link["student_name"] for link in get(client, principal_b, url)["children"]]
    assert seen_by_b == [world.student_b1.display_name]


# --- schools and sections ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["district_admin", "principal_b", "guardian", "contractor"])
def test_every_signed_in_person_sees_the_schools(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    data = get(client, request.getfixturevalue(persona), "/api/schools/")
    assert [(s["name"], s["grade_range"]) for s in data["results"]] == [
        ("School A", "PK-5"),
        ("School B", "9-12"),
    ]


def test_school_names_its_principal(client: Client, principal_a: Any) -> None:
    data = get(client, principal_a, "/api/schools/")
    assert [s["principal_name"] for s in data["results"]] == ["Pat PrincipalA", ""]


@pytest.mark.parametrize(
    ("persona", "count"),
    [
        ("district_admin", 1),
        ("principal_a", 1),
        ("principal_b", 0),
        ("teacher", 1),
        ("student", 1),
        ("guardian", 1),
        ("contractor", 0),
    ],
)
def test_sections_count_per_persona(
    client: Client, persona: str, count: int, request: pytest.FixtureRequest
) -> None:
    assert get(client, request.getfixturevalue(persona), "/api/sections/")["count"] == count


def test_section_names_its_teachers(client: Client, guardian: Any, world: World) -> None:
    data = get(client, guardian, "/api/sections/")
    assert data["results"][0]["title"] == "Grade 3 Homeroom"
    assert data["results"][0]["teachers"] == [
        {"id": world.teacher_person.pk, "display_name": "Tess Teacher", "role": "teacher"}
    ]


def test_sections_filter_by_school(client: Client, district_admin: Any, world: World) -> None:
    SectionFactory(school=world.school_b, title="Biology")
    data = get(client, district_admin, f"/api/sections/?school={world.school_b.pk}")
    assert [s["title"] for s in data["results"]] == ["Biology"]


# --- schema and docs --------------------------------------------------------------------


def test_schema_describes_the_endpoints(client: Client, teacher: Any) -> None:
    client.force_login(teacher)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for url in ENDPOINTS:
        assert url in paths
    student_params = {p["name"] for p in paths["/api/students/"]["get"]["parameters"]}
    assert {"school", "grade", "page"} <= student_params


def test_docs_need_sign_in_and_load_nothing_from_elsewhere(client: Client, teacher: Any) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(teacher)
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert '<script src="/api/docs/?script="></script>' in page
    script = client.get("/api/docs/?script=").content.decode()
    assert '"validatorUrl": null' in script


# --- queries do not grow with rows -----------------------------------------------------


def add_rows(world: World, n: int) -> None:
    for _ in range(n):
        school = SchoolFactory()
        student = StudentFactory(school=school)
        GuardianLinkFactory(student=student, guardian=GuardianFactory())
        staff = StaffFactory(school=school)
        PersonRoleFactory(person=staff, role="teacher", school=school)
        PersonRoleFactory(person=staff, role="counselor", school=world.school_a)
        section = SectionFactory(school=school)
        EnrollmentFactory(section=section, person=staff, role="teacher")
        EnrollmentFactory(section=section, person=student, role="student")


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_list_queries_do_not_grow_with_rows(
    client: Client,
    district_admin: Any,
    world: World,
    url: str,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(district_admin)
    add_rows(world, 3)
    few = count_queries(client, url)
    add_rows(world, 27)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.json()["count"] >= 30


def test_person_record_queries_do_not_grow_with_links(
    client: Client, principal_a: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    client.force_login(principal_a)
    url = f"/api/people/{world.student_a1.pk}/"

    def add(n: int) -> None:
        for _ in range(n):
            GuardianLinkFactory(student=world.student_a1, guardian=GuardianFactory())
            PersonRoleFactory(person=world.student_a1, role="student", school=SchoolFactory())

    add(3)
    few = count_queries(client, url)
    add(27)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.json()["guardians"]) == 32


def test_api_docs_name_every_endpoint_and_filter() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs/api.md").read_text()
    for prefix, _viewset, _basename in router.registry:
        assert f"`GET /api/{prefix}/`" in doc
    for filterset in (PersonFilter, StudentFilter, SectionFilter):
        for name in filterset.base_filters:
            assert f"- `{name}`:" in doc
