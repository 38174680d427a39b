"""Bad input and attacks against scoping, on the demo district: guessed ids, rights cleared,
a contractor after the end date, and a form posted with another school's id."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openaup.access.models import AccessGrant
from openaup.access.services import grant_access, revoke_access
from openaup.accounts.models import RoleAssignment, User
from openaup.audit.models import AuditEvent
from openaup.audit.services import STUDENT_VIEWED
from openaup.directory.models import GuardianLink, Person
from openaup.directory.services import set_educational_rights
from tests.permissions.matrix import (
    ES_STUDENT_NOT_CHILD,
    GUARDIAN_ES_CHILD,
    GUARDIAN_HS_CHILD,
    MS_STUDENT,
    TARGETS,
    Demo,
)


def client_for(demo: Demo, username: str) -> Client:
    client = Client()
    client.force_login(demo.user(username))
    return client


def pk_of(demo: Demo, target: str) -> int:
    return int(TARGETS[target](demo)["pk"])


def views_of(person_id: int) -> int:
    return AuditEvent.objects.filter(action=STUDENT_VIEWED, person_id=person_id).count()


def urls_for(pk: int) -> list[str]:
    return [
        reverse("directory:person-detail", args=[pk]),
        reverse("person-detail", args=[pk]),
        reverse("student-detail", args=[pk]),
    ]


@pytest.mark.parametrize("username", ["guardian", "teacher.hs", "principal.hs", "student.hs"])
def test_a_guessed_student_id_is_not_found_and_leaves_no_view(demo: Demo, username: str) -> None:
    client = client_for(demo, username)
    stranger = pk_of(demo, ES_STUDENT_NOT_CHILD)
    missing = Person.objects.order_by("-pk")[0].pk + 1000
    for url in urls_for(stranger):
        assert client.get(url).status_code == 404, url
    # An id that exists answers exactly like one that does not.
    for url in urls_for(missing):
        assert client.get(url).status_code == 404, url
    assert views_of(stranger) == 0


def test_a_students_own_guardian_does_leave_a_view(demo: Demo) -> None:
    child = pk_of(demo, GUARDIAN_ES_CHILD)
    client = client_for(demo, "guardian")
    for url in urls_for(child):
        assert client.get(url).status_code == 200, url
    assert views_of(child) >= 2


def test_neighbouring_ids_find_nothing_beyond_the_family(demo: Demo) -> None:
    client = client_for(demo, "guardian")
    family = {child.pk for child in demo.guardian_children} | {demo.person("guardian").pk}
    child = pk_of(demo, GUARDIAN_HS_CHILD)
    found = {
        pk
        for pk in range(child - 15, child + 15)
        if client.get(reverse("person-detail", args=[pk])).status_code == 200
    }
    assert found <= family


def test_a_guardian_whose_rights_were_cleared_gets_nothing(demo: Demo) -> None:
    hs_child, es_child = pk_of(demo, GUARDIAN_HS_CHILD), pk_of(demo, GUARDIAN_ES_CHILD)
    link = GuardianLink.objects.get(guardian=demo.person("guardian"), student_id=hs_child)
    set_educational_rights(
        actor=demo.user("tech"), link=link, has_rights=False, reason="Court order on file."
    )
    client = client_for(demo, "guardian")
    before = views_of(hs_child)
    for url in urls_for(hs_child):
        assert client.get(url).status_code == 404, url
    assert views_of(hs_child) == before
    body = client.get(reverse("student-list")).json()
    assert [row["id"] for row in body["results"]] == [es_child]
    # The other child is still theirs.
    assert client.get(reverse("directory:person-detail", args=[es_child])).status_code == 200


def test_a_contractor_after_the_end_date_sees_nothing(demo: Demo) -> None:
    client = client_for(demo, "contractor")
    ms_student = pk_of(demo, MS_STUDENT)
    assert client.get(reverse("student-detail", args=[ms_student])).status_code == 200
    # The day after the last day of the grant.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    AccessGrant.objects.filter(contractor=demo.person("contractor")).update(
        starts_on=yesterday - datetime.timedelta(days=30), ends_on=yesterday
    )
    client = client_for(demo, "contractor")
    assert client.get(reverse("student-list")).json()["count"] == 0
    for url in urls_for(ms_student):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("directory:person-list")).context["page_obj"].paginator.count == 1


def test_a_revoked_grant_shows_nothing(demo: Demo) -> None:
    grant = AccessGrant.objects.live().get(contractor=demo.person("contractor"))
    revoke_access(actor=demo.user("tech"), grant=grant, reason="Contract cancelled.")
    client = client_for(demo, "contractor")
    assert client.get(reverse("student-list")).json()["count"] == 0


# -- a form posted with another school's id ------------------------------------------------
#
# Technology staff may be assigned to one school (a building technology coordinator). They
# give contractors access to their own school's data only: the form offers their school, and
# the service refuses any other inside its transaction.


@pytest.fixture
def school_tech(demo: Demo) -> User:
    person = Person.objects.filter(
        kind="staff", school=demo.school("es"), account__isnull=True
    ).first()
    user = User.objects.create(username="tech.es", person=person)
    RoleAssignment.objects.create(user=user, role="tech_staff", school=demo.school("es"))
    return user


def grant_form(demo: Demo, school_id: int | str) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "contractor": demo.person("contractor").pk,
        "sponsor": demo.person("teacher.es").pk,
        "school": school_id,
        "categories": ["directory", "guardian_contacts"],
        "purpose": "Reading platform set-up.",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
    }


def test_posting_another_schools_id_is_refused_and_nothing_is_written(
    demo: Demo, school_tech: User
) -> None:
    client = Client()
    client.force_login(school_tech)
    grants, events = AccessGrant.objects.count(), AuditEvent.objects.count()
    for school_id in (demo.school("hs").pk, demo.school("ms").pk, ""):
        response = client.post(reverse("access:grant-create"), grant_form(demo, school_id))
        assert response.status_code == 400
        assert response.context["form"].errors["school"]
    assert AccessGrant.objects.count() == grants
    assert AuditEvent.objects.count() == events
    # Their own school is fine.
    response = client.post(reverse("access:grant-create"), grant_form(demo, demo.school("es").pk))
    assert response.status_code == 302
    assert AccessGrant.objects.latest("pk").school == demo.school("es")


def test_the_service_refuses_another_school_inside_its_transaction(
    demo: Demo, school_tech: User
) -> None:
    grants, events = AccessGrant.objects.count(), AuditEvent.objects.count()
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        grant_access(
            actor=school_tech,
            contractor=demo.person("contractor"),
            sponsor=demo.person("teacher.es"),
            school=demo.school("hs"),
            categories=["directory"],
            purpose="Reading platform set-up.",
            starts_on=today,
            ends_on=today + datetime.timedelta(days=30),
        )
    assert AccessGrant.objects.count() == grants
    assert AuditEvent.objects.count() == events
