"""Importing OneRoster packages into the directory: first import, re-import, delta, bulk
departures, educational rights, dry runs, bad input (nothing written), audit and runs."""

from __future__ import annotations

import datetime
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.directory import models
from openaup.directory.models import (
    AcademicSession,
    Course,
    Enrollment,
    GuardianLink,
    ImportRun,
    Person,
    PersonRole,
    School,
    Section,
)
from openaup.directory.oneroster.rows import MAX_LENGTHS, MAX_SOURCED_ID
from openaup.directory.services import (
    import_roster,
    mark_departed,
    roster_summary,
    set_educational_rights,
)
from tests.accounts.factories import RoleAssignmentFactory
from tests.directory.roster_packages import (
    V11,
    V12,
    copy_package,
    delta_package,
    drop_rows,
    edit,
    zip_folder,
)

pytestmark = pytest.mark.django_db


EXPECTED = {
    "schools": 2,
    "students": 5,
    "staff": 5,
    "guardians": 3,
    "guardian_links": 4,
    "sections": 3,
    "enrollments": 8,
    "departed": 0,
}


def imported(path: Path = V12, **kwargs: Any) -> Any:
    report = import_roster(actor=None, path=path, **kwargs)
    assert report.ok, report.errors
    return report


def person(sourced_id: str) -> Person:
    return Person.objects.get(sourced_id=sourced_id)


def link(student: str, guardian: str) -> GuardianLink:
    return GuardianLink.objects.get(student__sourced_id=student, guardian__sourced_id=guardian)


STAMP = "2026-09-15T08:00:00Z"
USERS_12 = (
    "sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,grades,"
    "agentSourcedIds,email,primaryOrgSourcedId,identifier,userMasterIdentifier\n"
)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Everything the directory holds, without timestamps (to prove nothing was written)."""
    found = {}
    for model in (
        models.District,
        School,
        AcademicSession,
        Person,
        PersonRole,
        Course,
        Section,
        Enrollment,
        GuardianLink,
    ):
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if f.name not in ("created_at", "updated_at")
        ]
        found[model.__name__] = sorted(model.objects.values_list(*names), key=lambda row: str(row))
    found["terms"] = sorted(
        Section.terms.through.objects.values_list("section_id", "academicsession_id")
    )
    found["audit"] = sorted(AuditEvent.objects.values_list("action", "object_id"))
    return found


# --- first import ----------------------------------------------------------------------------


def test_first_import_of_a_1_2_package() -> None:
    report = imported()

    assert roster_summary() == EXPECTED
    assert report.counts["people"] == {"added": 13, "changed": 0, "unchanged": 0, "departed": 0}
    assert report.total("added") == 1 + 2 + 3 + 13 + 14 + 3 + 3 + 8 + 4

    high = School.objects.get(sourced_id="org-hs")
    assert high.name == "Birch Creek High"
    assert high.district.name == "Birch Creek School District"
    assert high.principal == person("u-prin-hs")
    assert (high.low_grade, high.high_grade) == ("09", "12")  # from its students' grades

    ben = person("u-stu-es-2")
    assert (ben.kind, ben.grade, ben.school.sourced_id) == ("student", "01", "org-es")
    assert ben.display_name == "Ben Nguyen"
    assert ben.birth_date == datetime.date(2020, 1, 15)
    assert ben.email == ""
    assert person("u-stu-hs-3").enabled is False
    # a teacher whose primary org is a department belongs to its school
    rita = person("u-tch-hs")
    assert (rita.kind, rita.title, rita.school.sourced_id) == ("staff", "Teacher", "org-hs")
    assert set(rita.roles.values_list("role", "school__sourced_id", "is_primary")) == {
        ("teacher", "org-hs", True),
        ("teacher", "org-es", False),
    }
    admin = person("u-admin")
    assert (admin.title, admin.school) == ("District administrator", None)
    assert admin.roles.get().school is None
    assert person("u-prin-es").title == "Principal"
    assert person("u-par-1").kind == "guardian"

    english = Section.objects.get(sourced_id="k-hs-eng")
    assert set(english.terms.values_list("sourced_id", flat=True)) == {"as-2027-s1", "as-2027-s2"}
    assert (english.school.sourced_id, english.course.title) == ("org-hs", "English 12")
    assert english.periods == ["4"]
    assert Course.objects.get(sourced_id="c-hs-bio").school.sourced_id == "org-hs"
    fall = AcademicSession.objects.get(sourced_id="as-2027-s1")
    assert fall.parent.sourced_id == "as-2027"
    assert Enrollment.objects.get(sourced_id="e-5").begin_date == datetime.date(2026, 8, 24)


def test_guardianship_from_agents_in_either_direction() -> None:
    imported()

    # parent row lists both children; student rows list their guardian; both sides for Rosa
    assert set(GuardianLink.objects.values_list("guardian__sourced_id", "student__sourced_id")) == {
        ("u-par-1", "u-stu-es-1"),
        ("u-par-1", "u-stu-hs-1"),
        ("u-gua-2", "u-stu-es-2"),
        ("u-rel-3", "u-stu-hs-1"),
    }
    linh = link("u-stu-es-1", "u-par-1")
    assert (linh.relationship, linh.has_educational_rights) == ("parent", True)
    assert (linh.contact_email, linh.contact_phone, linh.preferred_language) == (
        "linh.nguyen@example.net",
        "555-0141",
        "vi",
    )
    marco = link("u-stu-es-2", "u-gua-2")
    assert (marco.relationship, marco.has_educational_rights) == ("guardian", True)
    assert (marco.contact_phone, marco.preferred_language) == ("555-0150", "en")  # sms
    rosa = link("u-stu-hs-1", "u-rel-3")
    assert (rosa.relationship, rosa.has_educational_rights) == ("relative", False)
    assert rosa.preferred_language == "es"


def test_1_1_and_1_2_give_the_same_directory() -> None:
    imported(V11)
    assert roster_summary() == EXPECTED
    # 1.1 has no principal role: the roster names no principal
    assert School.objects.get(sourced_id="org-es").principal is None
    assert person("u-prin-es").title == "Administrator"


def test_a_zip_imports_like_its_folder(tmp_path: Path) -> None:
    imported(zip_folder(V12, tmp_path / "roster.zip"))
    assert roster_summary() == EXPECTED


# --- re-import and deltas --------------------------------------------------------------------


def test_unchanged_reimport_changes_nothing() -> None:
    imported()
    before = snapshot()

    report = imported()

    assert report.total("added") == report.total("changed") == report.total("departed") == 0
    assert report.counts["enrollments"]["unchanged"] == 8
    after = snapshot()
    assert after.pop("audit") == [*before.pop("audit"), ("roster.imported", str(report.run.pk))]
    assert after == before


def test_reimport_of_a_restamped_1_1_export_changes_nothing(tmp_path: Path) -> None:
    imported(V11)
    package = copy_package(tmp_path, "1_1")
    for path in package.glob("*.csv"):
        data = path.read_bytes().replace(b"2026-08-20T06:00:00.000Z", b"2026-08-21T06:00:00.000Z")
        path.write_bytes(data)

    report = imported(package)

    assert report.total("changed") == 0


def test_delta_changes(tmp_path: Path) -> None:
    imported()
    package = delta_package(
        tmp_path,
        {
            "users": USERS_12
            + f"u-stu-es-1,active,{STAMP},true,ava.nguyen,Ava,Nguyen,04,,,org-es,S1001,S1001\n"
            + f"u-stu-new,active,{STAMP},true,fay.ortiz,Fay,Ortiz,02,u-gua-2,,org-es,S1003,S1003\n"
            + f"u-stu-hs-3,tobedeleted,{STAMP},true,eli.brooks,Eli,Brooks,09,,,org-hs,"
            "S3003,S3003\n",
            "roles": "sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId\n"
            f"r-stu-new,active,{STAMP},u-stu-new,primary,student,org-es\n",
            "enrollments": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
            "userSourcedId,role\n"
            f"e-9,active,{STAMP},k-es-hr,org-es,u-stu-new,student\n"
            f"e-6,tobedeleted,{STAMP},k-hs-bio,org-hs,u-stu-hs-3,student\n",
        },
    )

    report = imported(package)

    assert report.counts["people"] == {"added": 1, "changed": 1, "unchanged": 0, "departed": 1}
    assert report.counts["enrollments"] == {
        "added": 1,
        "changed": 0,
        "unchanged": 0,
        "departed": 1,
    }
    ava = person("u-stu-es-1")
    assert ava.grade == "04"
    assert ava.source_modified == datetime.datetime(2026, 9, 15, 8, tzinfo=datetime.UTC)
    assert ava.birth_date == datetime.date(2018, 4, 2)  # demographics absent: kept
    fay = person("u-stu-new")
    assert (fay.kind, fay.school.sourced_id) == ("student", "org-es")
    # the new student's row names an existing guardian
    assert link("u-stu-new", "u-gua-2").has_educational_rights is True
    eli = person("u-stu-hs-3")
    assert (eli.status, eli.departed_on) == ("departed", timezone.localdate())
    assert Enrollment.objects.get(sourced_id="e-6").is_active is False
    # what the delta does not mention is left alone
    assert Enrollment.objects.filter(is_active=True).count() == 8
    assert link("u-stu-es-1", "u-par-1").is_active
    summary = roster_summary()
    assert (summary["students"], summary["departed"]) == (5, 1)

    changed = AuditEvent.objects.get(action="person.changed")
    assert changed.person == ava
    assert changed.changes == {"grade": ["03", "04"]}
    departed = AuditEvent.objects.get(action="person.departed")
    assert departed.person == eli
    assert departed.changes["status"] == ["active", "departed"]


def test_delta_references_what_the_directory_holds(tmp_path: Path) -> None:
    imported()
    good = delta_package(
        tmp_path,
        {
            "enrollments": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
            f"userSourcedId,role\ne-10,active,{STAMP},k-hs-eng,org-hs,u-stu-hs-1,student\n"
        },
    )
    imported(good)
    assert Enrollment.objects.get(sourced_id="e-10").section.sourced_id == "k-hs-eng"

    before = snapshot()
    shutil.rmtree(good)
    bad = delta_package(
        tmp_path,
        {
            "enrollments": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
            f"userSourcedId,role\ne-11,active,{STAMP},k-gone,org-hs,u-stu-hs-1,student\n"
        },
    )
    report = import_roster(actor=None, path=bad)
    assert report.errors == [
        "enrollments.csv, row 2, column classSourcedId: no class with sourcedId 'k-gone'"
    ]
    assert snapshot() == before


def test_delta_guardian_link_to_a_non_student_in_the_directory(tmp_path: Path) -> None:
    imported()
    before = snapshot()
    package = delta_package(
        tmp_path,
        {"users": USERS_12 + f"u-gua-2,active,{STAMP},true,,Marco,Silva,,u-tch-es,,org-es,,\n"},
    )

    report = import_roster(actor=None, path=package)

    assert report.errors == [
        (
            "users.csv, row 2, column agentSourcedIds: agent 'u-tch-es' is not a student "
            "(roles: teacher)"
        )
    ]
    assert snapshot() == before


def test_bulk_import_marks_missing_people_departed(tmp_path: Path) -> None:
    imported()
    package = copy_package(tmp_path)
    # Devendra has left: gone from users, roles, demographics and enrollments
    drop_rows(package, "users.csv", "u-stu-hs-2,")
    drop_rows(package, "roles.csv", "r-stu-hs-2,")
    drop_rows(package, "demographics.csv", "u-stu-hs-2,")
    drop_rows(package, "enrollments.csv", "e-8,")

    report = imported(package)

    dev = person("u-stu-hs-2")
    assert (dev.status, dev.departed_on) == ("departed", timezone.localdate())
    assert report.counts["people"]["departed"] == 1
    assert report.counts["enrollments"]["departed"] == 1
    assert report.counts["roles"]["departed"] == 1
    assert Enrollment.objects.get(sourced_id="e-8").is_active is False
    assert roster_summary() == {**EXPECTED, "students": 4, "enrollments": 7, "departed": 1}
    assert Person.objects.filter(sourced_id="u-stu-hs-2").exists()  # never deleted
    event = AuditEvent.objects.get(action="person.departed")
    assert event.person == dev

    # coming back: active again
    report = imported()
    dev.refresh_from_db()
    assert (dev.status, dev.departed_on) == ("active", None)
    assert report.counts["people"]["changed"] == 1


def test_bulk_import_leaves_people_entered_by_hand(tmp_path: Path) -> None:
    imported()
    contractor = Person.objects.create(
        sourced_id="local-1", source="local", kind="contractor", given_name="C", family_name="K"
    )

    imported()

    contractor.refresh_from_db()
    assert contractor.status == "active"


def test_bulk_files_drop_sections_they_no_longer_list(tmp_path: Path) -> None:
    imported()
    package = copy_package(tmp_path)
    drop_rows(package, "classes.csv", "k-hs-bio,")
    for enrollment in ("e-4,", "e-5,", "e-6,"):
        drop_rows(package, "enrollments.csv", enrollment)

    report = imported(package)

    assert report.counts["sections"]["departed"] == 1
    assert Section.objects.get(sourced_id="k-hs-bio").is_active is False
    assert roster_summary()["sections"] == 2


def test_tobedeleted_user_in_a_1_1_delta(tmp_path: Path) -> None:
    imported(V11)
    package = delta_package(
        tmp_path,
        {
            "users": "sourcedId,status,dateLastModified,orgSourcedIds,role,givenName,familyName\n"
            f"u-rel-3,tobedeleted,{STAMP},org-hs,relative,Rosa,Nguyen\n"
        },
        version="1.1",
    )

    report = imported(package)

    assert report.counts["people"]["departed"] == 1
    assert person("u-rel-3").status == "departed"
    assert roster_summary()["guardians"] == 2
    assert roster_summary()["guardian_links"] == 3


def test_1_1_delta_restates_a_users_roles(tmp_path: Path) -> None:
    imported(V11)
    package = delta_package(
        tmp_path,
        {
            "users": "sourcedId,status,dateLastModified,orgSourcedIds,role,givenName,familyName\n"
            f"u-tch-hs,active,{STAMP},org-hs,teacher,Rita,Chen\n"
        },
        version="1.1",
    )

    imported(package)

    assert set(
        PersonRole.objects.filter(person__sourced_id="u-tch-hs").values_list(
            "school__sourced_id", "is_active"
        )
    ) == {("org-hs", True), ("org-es", False)}


# --- educational rights ----------------------------------------------------------------------


def test_rights_cleared_by_the_district_stay_cleared() -> None:
    imported()
    linh = link("u-stu-es-1", "u-par-1")

    set_educational_rights(actor=None, link=linh, has_rights=False, reason="court order")
    imported()

    linh.refresh_from_db()
    assert (linh.has_educational_rights, linh.rights_set_locally) == (False, True)
    event = AuditEvent.objects.get(action="guardian_link.rights_set")
    assert event.changes == {"has_educational_rights": [True, False]}
    assert event.reason == "court order"
    assert event.person == linh.student
    # the other child's link follows the default
    assert link("u-stu-hs-1", "u-par-1").has_educational_rights is True


def test_rights_granted_to_a_relative_stay_granted() -> None:
    imported()
    rosa = link("u-stu-hs-1", "u-rel-3")
    assert rosa.has_educational_rights is False

    set_educational_rights(actor=None, link=rosa, has_rights=True)
    imported(V11)

    rosa.refresh_from_db()
    assert rosa.has_educational_rights is True


def test_rights_may_be_set_only_within_scope(principal_b: Any, world: Any) -> None:
    link_a = GuardianLink.objects.get(student=world.student_a1, guardian=world.guardian_person)

    with pytest.raises(PermissionDenied):
        set_educational_rights(actor=principal_b, link=link_a, has_rights=False)

    link_a.refresh_from_db()
    assert link_a.has_educational_rights is True
    assert not AuditEvent.objects.filter(action="guardian_link.rights_set").exists()


def test_rights_set_by_a_district_admin(district_admin: Any, world: Any) -> None:
    link_a = GuardianLink.objects.get(student=world.student_a1, guardian=world.guardian_person)

    set_educational_rights(actor=district_admin, link=link_a, has_rights=False)

    assert AuditEvent.objects.get(action="guardian_link.rights_set").actor == district_admin


# --- hand-set values the roster does not name --------------------------------------------------


def test_title_typed_by_hand_is_kept() -> None:
    imported()
    Person.objects.filter(sourced_id="u-tch-es").update(title="Reading Specialist")

    report = imported()

    assert person("u-tch-es").title == "Reading Specialist"
    assert report.counts["people"]["changed"] == 0


def test_principal_set_by_hand_is_kept_when_the_roster_names_none() -> None:
    imported(V11)
    School.objects.filter(sourced_id="org-es").update(principal=person("u-prin-es"))

    imported(V11)

    assert School.objects.get(sourced_id="org-es").principal == person("u-prin-es")


# --- dry run ---------------------------------------------------------------------------------


def test_dry_run_writes_nothing() -> None:
    report = imported(dry_run=True)

    assert report.counts["people"]["added"] == 13
    assert "Nguyen, Ava (u-stu-es-1)" in report.samples["people"]["added"]
    assert roster_summary() == dict.fromkeys(EXPECTED, 0)
    assert not AuditEvent.objects.exists()
    run = ImportRun.objects.get()
    assert (run.status, run.oneroster_version) == ("previewed", "1.2")
    assert run.summary["counts"]["people"]["added"] == 13


def test_dry_run_shows_what_would_change(tmp_path: Path) -> None:
    imported()
    package = copy_package(tmp_path)
    edit(package, "users.csv", "u-par-1,03,", "u-par-1,04,")
    before = snapshot()

    report = imported(package, dry_run=True)

    assert report.samples["people"]["changed"] == ["Nguyen, Ava (u-stu-es-1): grade 03 → 04"]
    assert snapshot() == before


# --- bad input: nothing written --------------------------------------------------------------


def _remove(package: Path, name: str) -> None:
    (package / name).unlink()


BAD_INPUTS = {
    "missing manifest": lambda p: _remove(p, "manifest.csv"),
    "missing named file": lambda p: _remove(p, "classes.csv"),
    "missing required column": lambda p: edit(p, "classes.csv", ",termSourcedIds,", ",terms,"),
    "unknown role": lambda p: edit(p, "roles.csv", "primary,teacher", "primary,coach"),
    "unknown grade code": lambda p: edit(p, "users.csv", "u-par-1,03,", "u-par-1,K,"),
    "missing org": lambda p: edit(
        p, "roles.csv", "u-tch-es,primary,teacher,,,org-es", "u-tch-es,primary,teacher,,,org-x"
    ),
    "missing user": lambda p: edit(p, "enrollments.csv", "u-stu-hs-2", "u-stu-hs-9"),
    "missing class": lambda p: edit(p, "enrollments.csv", "e-8,,,k-hs-eng", "e-8,,,k-hs-art"),
    "missing session": lambda p: edit(p, "courses.csv", "c-es-hr,,,as-2027", "c-es-hr,,,as-1999"),
    "duplicate sourcedId": lambda p: edit(p, "enrollments.csv", "e-8,", "e-7,"),
    "malformed date": lambda p: edit(p, "academicSessions.csv", "2026-08-24", "08/24/2026"),
    "guardian link to non-student": lambda p: edit(
        p, "users.csv", '"u-stu-es-1,u-stu-hs-1"', '"u-stu-es-1,u-admin"'
    ),
    "not UTF-8": lambda p: (p / "orgs.csv").write_bytes(
        (p / "orgs.csv").read_bytes().replace(b"Birch Creek High,", b"Birch Cr\xe9ek High,")
    ),
    "empty file": lambda p: (p / "courses.csv").write_bytes(b""),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_writes_nothing(tmp_path: Path, case: str) -> None:
    imported()
    before = snapshot()
    package = copy_package(tmp_path)
    # a change that would be applied, were the package good
    edit(package, "users.csv", "Rosa,Nguyen", "Rosa,Nguyen-Vega")
    BAD_INPUTS[case](package)

    report = import_roster(actor=None, path=package)

    assert not report.ok
    assert report.errors
    assert snapshot() == before
    run = ImportRun.objects.order_by("-pk").first()
    assert run is not None
    assert (run.status, run.errors) == ("failed", report.errors)


def test_zip_with_a_path_outside_its_root_writes_nothing(tmp_path: Path) -> None:
    imported()
    before = snapshot()
    archive = zip_folder(V12, tmp_path / "slip.zip")
    with zipfile.ZipFile(archive, "a") as handle:
        handle.writestr("../../outside.csv", "x")

    report = import_roster(actor=None, path=archive)

    assert report.errors == [
        "../../outside.csv: the zip holds a path outside its root; nothing was read"
    ]
    assert snapshot() == before
    assert not (tmp_path.parent / "outside.csv").exists()


def test_zip_larger_than_allowed_writes_nothing(tmp_path: Path, settings: Any) -> None:
    settings.OPENAUP_ROSTER_MAX_UNCOMPRESSED_BYTES = 1000
    archive = zip_folder(V12, tmp_path / "roster.zip")

    report = import_roster(actor=None, path=archive)

    assert "more than the 1,000 bytes" in report.errors[0]
    assert roster_summary() == dict.fromkeys(EXPECTED, 0)


# --- audit and runs --------------------------------------------------------------------------


def test_import_is_audited_and_recorded() -> None:
    district_admin = RoleAssignmentFactory(user__username="admin", role="district_admin").user
    before = AuditEvent.objects.count()

    report = import_roster(actor=district_admin, path=V12)

    run = report.run
    assert (run.status, run.actor, run.source_name) == ("applied", district_admin, "oneroster_1_2")
    assert run.finished_at is not None
    assert run.summary["counts"]["people"]["added"] == 13
    event = AuditEvent.objects.get(action="roster.imported")
    assert (event.actor, event.object_id) == (district_admin, str(run.pk))
    assert event.changes["counts"]["enrollments"]["added"] == 8
    # first-time creations have no per-person events
    assert AuditEvent.objects.count() == before + 1


def test_mark_departed() -> None:
    imported()
    ava = person("u-stu-es-1")
    day = datetime.date(2027, 1, 29)

    mark_departed(actor=None, person=ava, on=day, reason="moved away")

    ava.refresh_from_db()
    assert (ava.status, ava.departed_on) == ("departed", day)
    event = AuditEvent.objects.get(action="person.departed")
    assert event.changes == {"status": ["active", "departed"], "departed_on": [None, "2027-01-29"]}
    assert roster_summary()["departed"] == 1


def test_mark_departed_outside_scope_is_refused(principal_b: Any, world: Any) -> None:
    with pytest.raises(PermissionDenied):
        mark_departed(actor=principal_b, person=world.student_a1, on=datetime.date(2027, 1, 29))
    world.student_a1.refresh_from_db()
    assert world.student_a1.status == "active"


def test_reader_length_limits_match_the_directory() -> None:
    columns = {
        ("orgs", "name"): (School, "name"),
        ("orgs", "identifier"): (School, "identifier"),
        ("academicSessions", "title"): (AcademicSession, "title"),
        ("users", "givenName"): (Person, "given_name"),
        ("users", "familyName"): (Person, "family_name"),
        ("users", "middleName"): (Person, "middle_name"),
        ("users", "preferredGivenName"): (Person, "preferred_given_name"),
        ("users", "username"): (Person, "username"),
        ("users", "identifier"): (Person, "identifier"),
        ("users", "userMasterIdentifier"): (Person, "user_master_identifier"),
        ("users", "email"): (Person, "email"),
        ("users", "phone"): (Person, "phone"),
        ("users", "sms"): (Person, "sms"),
        ("users", "metadata.preferredLanguage"): (GuardianLink, "preferred_language"),
        ("courses", "title"): (Course, "title"),
        ("courses", "courseCode"): (Course, "course_code"),
        ("classes", "title"): (Section, "title"),
        ("classes", "classCode"): (Section, "class_code"),
        ("classes", "location"): (Section, "location"),
    }
    for (file, column), (model, name) in columns.items():
        assert MAX_LENGTHS[file][column] == model._meta.get_field(name).max_length, (file, column)
    for model in (School, AcademicSession, Person, Course, Section, Enrollment):
        assert model._meta.get_field("sourced_id").max_length == MAX_SOURCED_ID
