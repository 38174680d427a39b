"""Campaign dashboards: the numbers equal the count of signature records at every level, each
person sees their own scope, the queries do not grow with the students, the CSV carries only
rights holders' contacts and is audited, and the staff report and message log."""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.directory.choices import ClassType, Grade, PersonStatus
from openaup.directory.models import Enrollment, GuardianLink
from openaup.policies import dashboards
from openaup.policies.choices import MemberKind, SignerRole
from openaup.policies.models import CampaignMember, Signature
from openaup.policies.services.signatures import refresh_member
from tests.directory.factories import (
    EnrollmentFactory,
    GuardianLinkFactory,
    SectionFactory,
    StaffFactory,
    StudentFactory,
)
from tests.personas import World
from tests.policies.factories import (
    CampaignMemberFactory,
    PolicyVersionFactory,
    SignatureFactory,
    SigningCampaignFactory,
)

pytestmark = pytest.mark.django_db


def sign(member: CampaignMember, *, student: bool, guardian: Any = None, days_ago: int = 0) -> None:
    """Signature rows as the signing services write them, and the member's status refreshed
    by the services' own rule."""
    at = timezone.now() - datetime.timedelta(days=days_ago)
    version = member.campaign.versions.first()
    if student:
        SignatureFactory(member=member, version=version, signed_at=at)
    if guardian is not None:
        SignatureFactory(
            member=member,
            version=version,
            signer=guardian,
            signer_role=SignerRole.GUARDIAN,
            went_over_with_child=True,
            signed_at=at,
        )
    refresh_member(member)


@pytest.fixture
def campaign(world: World) -> Any:
    """Every student of the world is a member. In A's homeroom: Ava signed with her
    guardian (signed), Ben only himself (partly). Cal in grade 4 has nothing. In B: Dee's
    guardian signed (partly). A departed student in A is not counted."""
    version = PolicyVersionFactory()
    campaign = SigningCampaignFactory(versions=[version])
    world.section_a.class_type = ClassType.HOMEROOM
    world.section_a.save()
    members = {}
    from openaup.directory.models import Person

    for person in Person.objects.filter(kind="student"):
        members[person.given_name] = CampaignMemberFactory(
            campaign=campaign, person=person, version=version
        )
    gone = StudentFactory(
        school=world.school_a,
        grade=Grade.G03,
        given_name="Gone",
        status=PersonStatus.DEPARTED,
        departed_on=timezone.localdate(),
    )
    EnrollmentFactory(section=world.section_a, person=gone, role="student")
    CampaignMemberFactory(campaign=campaign, person=gone, version=version)
    sign(members["Ava"], student=True, guardian=world.guardian_person, days_ago=2)
    sign(members["Ben"], student=True, days_ago=1)
    sign(members["Dee"], student=False, guardian=world.guardian_person)
    staff_member = StaffFactory(school=world.school_a, title="Librarian", given_name="Lib")
    CampaignMemberFactory(
        campaign=campaign, person=staff_member, kind=MemberKind.STAFF, needs_guardian=False
    )
    confirmed = StaffFactory(school=world.school_a, title="Librarian", given_name="Done")
    done = CampaignMemberFactory(
        campaign=campaign, person=confirmed, kind=MemberKind.STAFF, needs_guardian=False
    )
    SignatureFactory(member=done, version=version, signer_role=SignerRole.STAFF)
    refresh_member(done)
    return campaign


def status_from_records(campaign: Any, person: Any) -> str:
    """A member's status computed only from Signature rows and the guardian links."""
    rows = Signature.objects.live().filter(campaign=campaign, on_behalf_of=person)
    own = rows.filter(signer=person).exists()
    rights = set(
        GuardianLink.objects.filter(
            student=person, is_active=True, has_educational_rights=True
        ).values_list("guardian_id", flat=True)
    )
    by_guardian = rows.filter(signer_role=SignerRole.GUARDIAN, signer_id__in=rights).exists()
    if own and by_guardian:
        return "signed"
    return "partly_signed" if rows.exists() else "not_signed"


def expected_counts(campaign: Any, people: list[Any]) -> dict[str, int]:
    counts = Counter(status_from_records(campaign, person) for person in people)
    return {
        "expected": len(people),
        "signed": counts["signed"],
        "partly_signed": counts["partly_signed"],
        "not_signed": counts["not_signed"],
    }


def as_dict(completion: dashboards.Completion) -> dict[str, int]:
    return {
        "expected": completion.expected,
        "signed": completion.signed,
        "partly_signed": completion.partly_signed,
        "not_signed": completion.not_signed,
    }


def active_students(**filters: Any) -> list[Any]:
    from openaup.directory.models import Person

    return list(Person.objects.filter(kind="student", status="active", **filters))


def test_numbers_equal_the_records_at_every_level(
    world: World, campaign: Any, district_admin: Any
) -> None:
    members = dashboards.student_members(campaign, district_admin)
    assert as_dict(dashboards.totals(members)) == expected_counts(campaign, active_students())
    assert as_dict(dashboards.totals(members)) == {
        "expected": 4,
        "signed": 1,
        "partly_signed": 2,
        "not_signed": 1,
    }
    schools = {row.key: row for row in dashboards.by_school(members)}
    for school in (world.school_a, world.school_b):
        assert as_dict(schools[school.pk].completion) == expected_counts(
            campaign, active_students(school=school)
        )
    for row in dashboards.by_grade(members):
        people = active_students(school__name=row.school, grade=row.key)
        assert as_dict(row.completion) == expected_counts(campaign, people)
    section_people = [
        e.person
        for e in Enrollment.objects.filter(section=world.section_a, role="student")
        if e.person.status == "active"
    ]
    (section_row,) = dashboards.by_section(members, district_admin)
    (homeroom_row,) = dashboards.by_section(members, district_admin, homerooms=True)
    assert section_row.key == homeroom_row.key == world.section_a.pk
    assert as_dict(section_row.completion) == expected_counts(campaign, section_people)
    assert as_dict(homeroom_row.completion) == {
        "expected": 2,
        "signed": 1,
        "partly_signed": 1,
        "not_signed": 0,
    }


def test_a_scheduled_class_is_not_a_homeroom(world: World, campaign: Any, tech_staff: Any) -> None:
    science = SectionFactory(school=world.school_b, title="Biology", class_type="scheduled")
    EnrollmentFactory(section=science, person=world.student_b1, role="student")
    members = dashboards.student_members(campaign, tech_staff)
    assert {row.label for row in dashboards.by_section(members, tech_staff)} == {
        "Grade 3 Homeroom",
        "Biology",
    }
    assert [row.label for row in dashboards.by_section(members, tech_staff, homerooms=True)] == [
        "Grade 3 Homeroom"
    ]


def test_principal_b_sees_nothing_of_school_a(
    world: World, campaign: Any, principal_b: Any
) -> None:
    members = dashboards.student_members(campaign, principal_b)
    assert [row.label for row in dashboards.by_school(members)] == ["School B"]
    assert as_dict(dashboards.totals(members)) == expected_counts(
        campaign, active_students(school=world.school_b)
    )
    assert dashboards.by_section(members, principal_b) == []
    page = Client()
    page.force_login(principal_b)
    html = page.get(reverse("policies:campaign-dashboard", args=[campaign.pk])).content.decode()
    assert "Dee" in html
    assert "School A" not in html
    assert "Cal" not in html
    assert "Ben" not in html


def test_teacher_sees_only_their_own_sections(world: World, campaign: Any, teacher: Any) -> None:
    other = SectionFactory(school=world.school_a, title="Grade 4 Homeroom", class_type="homeroom")
    from openaup.directory.models import Person

    cal = Person.objects.get(given_name="Cal")
    EnrollmentFactory(section=other, person=cal, role="student")
    members = dashboards.student_members(campaign, teacher)
    assert as_dict(dashboards.totals(members)) == {
        "expected": 2,
        "signed": 1,
        "partly_signed": 1,
        "not_signed": 0,
    }
    assert [row.label for row in dashboards.by_section(members, teacher)] == ["Grade 3 Homeroom"]
    page = Client()
    page.force_login(teacher)
    response = page.get(reverse("policies:campaign-dashboard", args=[campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ben" in html
    assert "Cal" not in html
    assert "Dee" not in html
    # The HR report and the reminders are not a teacher's.
    staff_url = reverse("policies:campaign-staff-report", args=[campaign.pk])
    assert page.get(staff_url).status_code == 403
    remind_url = reverse("policies:campaign-remind", args=[campaign.pk])
    assert page.post(remind_url, {"school": world.school_a.pk}).status_code == 403


def test_students_and_guardians_get_no_dashboard(
    campaign: Any, student: Any, guardian: Any, contractor: Any
) -> None:
    url = reverse("policies:campaign-dashboard", args=[campaign.pk])
    for user in (student, guardian, contractor):
        page = Client()
        page.force_login(user)
        assert page.get(url).status_code == 403


def test_the_dashboard_shows_missing_with_what_and_rights_holders_only(
    world: World, campaign: Any, principal_a: Any
) -> None:
    page = Client()
    page.force_login(principal_a)
    response = page.get(reverse("policies:campaign-dashboard", args=[campaign.pk]))
    assert response.status_code == 200
    rows = {item["member"].person.given_name: item for item in response.context["missing"]}
    assert set(rows) == {"Ben", "Cal"}  # Ava signed; Gone has left
    assert response.context["page_obj"].paginator.count == 2
    assert rows["Ben"]["missing"] == ["guardian"]
    assert rows["Cal"]["missing"] == ["student", "guardian"]
    ben_filter = page.get(
        reverse("policies:campaign-dashboard", args=[campaign.pk]),
        {"status": "partly_signed", "grade": "03", "section": world.section_a.pk},
    )
    assert [i["member"].person.given_name for i in ben_filter.context["missing"]] == ["Ben"]
    assert ben_filter.context["page_obj"].paginator.count == 1
    by_grade = page.get(
        reverse("policies:campaign-dashboard", args=[campaign.pk]),
        {"grade": "04", "status": "not_signed"},
    )
    assert [i["member"].person.given_name for i in by_grade.context["missing"]] == ["Cal"]
    assert by_grade.context["page_obj"].paginator.count == 1


def test_a_bad_filter_is_a_clear_error(campaign: Any, principal_a: Any, world: World) -> None:
    page = Client()
    page.force_login(principal_a)
    url = reverse("policies:campaign-dashboard", args=[campaign.pk])
    response = page.get(url, {"school": world.school_b.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    export = page.get(
        reverse("policies:campaign-missing-export", args=[campaign.pk]), {"status": "bogus"}
    )
    assert export.status_code == 400
    assert export.content.decode().startswith("status:")


def test_csv_has_contacts_only_for_rights_holders_and_is_audited(
    world: World, campaign: Any, district_admin: Any
) -> None:
    from openaup.directory.models import Person

    cal = Person.objects.get(given_name="Cal")
    GuardianLinkFactory(student=cal, guardian=world.other_guardian_person)
    GuardianLinkFactory(student=cal, has_educational_rights=False, guardian__given_name="Norights")
    page = Client()
    page.force_login(district_admin)
    before = AuditEvent.objects.filter(action="students.exported").count()
    response = page.get(reverse("policies:campaign-missing-export", args=[campaign.pk]))
    assert response.status_code == 200
    rows = {
        row["given_name"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))
    }
    assert set(rows) == {"Ben", "Cal", "Dee"}
    assert "Otto" in rows["Cal"]["guardians"]
    assert "Norights" not in rows["Cal"]["guardians"]
    assert rows["Dee"]["missing"] == "student"
    assert AuditEvent.objects.filter(action="students.exported").count() == before + 1
    assert AuditEvent.objects.filter(action="student.exported", person=cal).exists()


@pytest.mark.parametrize("who", ["district_admin", "principal_a", "teacher"])
def test_query_count_does_not_grow_with_students(
    world: World, who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    version = PolicyVersionFactory()
    campaign = SigningCampaignFactory(versions=[version])
    homeroom = SectionFactory(school=world.school_a, class_type="homeroom")
    EnrollmentFactory(section=homeroom, person=world.teacher_person, role="teacher")
    page = Client()
    page.force_login(user)
    url = reverse("policies:campaign-dashboard", args=[campaign.pk])

    def add(n: int) -> None:
        for i in range(n):
            person = StudentFactory(school=world.school_a if i % 2 else world.school_b)
            EnrollmentFactory(section=homeroom, person=person, role="student")
            GuardianLinkFactory(student=person)
            member = CampaignMemberFactory(campaign=campaign, person=person, version=version)
            if i % 3 == 0:
                sign(member, student=True, days_ago=i % 5)

    def count() -> int:
        page.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            assert page.get(url).status_code == 200
        return len(queries)

    add(5)
    small = count()
    add(45)
    assert count() == small


def test_chart_is_accessible_svg_with_its_table(campaign: Any, district_admin: Any) -> None:
    page = Client()
    page.force_login(district_admin)
    response = page.get(reverse("policies:campaign-dashboard", args=[campaign.pk]))
    html = response.content.decode()
    assert 'role="img"' in html
    assert '<title id="chart-title">' in html
    points = response.context["points"]
    assert [p.cumulative for p in points] == [1]
    assert "style=" not in html
    assert "<script>" not in html


def test_staff_report_by_school_and_title_with_csv(
    world: World, campaign: Any, principal_a: Any, principal_b: Any
) -> None:
    page = Client()
    page.force_login(principal_a)
    response = page.get(reverse("policies:campaign-staff-report", args=[campaign.pk]))
    assert response.status_code == 200
    assert [m.person.given_name for m in response.context["staff"]] == ["Lib"]
    (group,) = [g for g in response.context["groups"] if g.label == "Librarian"]
    assert (group.completion.expected, group.completion.signed) == (2, 1)
    export = page.get(reverse("policies:campaign-staff-export", args=[campaign.pk]))
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["given_name"], r["title"]) for r in rows] == [("Lib", "Librarian")]
    other = Client()
    other.force_login(principal_b)
    response = other.get(reverse("policies:campaign-staff-report", args=[campaign.pk]))
    assert list(response.context["staff"]) == []


def test_district_staff_see_sections_one_school_at_a_time(
    world: World, campaign: Any, district_admin: Any, principal_a: Any
) -> None:
    page = Client()
    page.force_login(district_admin)
    url = reverse("policies:campaign-dashboard", args=[campaign.pk])
    whole = page.get(url)
    assert whole.context["sections"] == []
    assert "Choose a school" in whole.content.decode()
    one = page.get(url, {"school": world.school_a.pk})
    assert [row.label for row in one.context["homerooms"]] == ["Grade 3 Homeroom"]
    principal = Client()
    principal.force_login(principal_a)
    own = principal.get(url)
    assert [row.label for row in own.context["homerooms"]] == ["Grade 3 Homeroom"]
    assert own.context["homerooms"][0].completion.expected == 2


def test_principals_see_homerooms_first_and_every_section_on_request(
    world: World, campaign: Any, principal_a: Any
) -> None:
    science = SectionFactory(school=world.school_a, title="Science", class_type="scheduled")
    EnrollmentFactory(section=science, person=world.student_a2, role="student")
    page = Client()
    page.force_login(principal_a)
    url = reverse("policies:campaign-dashboard", args=[campaign.pk])
    first = page.get(url)
    assert first.context["sections"] == []
    assert [row.label for row in first.context["homerooms"]] == ["Grade 3 Homeroom"]
    assert "Show every section" in first.content.decode()
    every = page.get(url, {"sections": "all"})
    rows = {row.label: row.completion for row in every.context["sections"]}
    assert set(rows) == {"Grade 3 Homeroom", "Science"}
    assert (rows["Science"].expected, rows["Science"].partly_signed) == (1, 1)
