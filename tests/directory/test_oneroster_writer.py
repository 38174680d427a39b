"""Writing OneRoster 1.1 and 1.2 CSV files from a dataset."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from pathlib import Path

import pytest

from openaup.directory.oneroster.records import (
    AcademicSessionRecord,
    ClassRecord,
    CourseRecord,
    Dataset,
    DemographicRecord,
    EnrollmentRecord,
    OrgRecord,
    RoleRecord,
    UserRecord,
    Version,
)
from openaup.directory.oneroster.writer import WriterError, write_dataset

SPEC_USERS_1_1 = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
)
SPEC_USERS_1_2 = (
    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
    "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
    "preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns"
)
SPEC_ROLES_1_2 = (
    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
    "orgSourcedId,userProfileSourcedId"
)
SPEC_ORGS = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId"
SPEC_ENROLLMENTS = (
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
    "primary,beginDate,endDate"
)
SPEC_CLASSES = (
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
    "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods"
)
SPEC_COURSES = (
    "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
    "orgSourcedId,subjects,subjectCodes"
)
SPEC_SESSIONS = (
    "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear"
)
SPEC_DEMOGRAPHICS = (
    "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
    "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
    "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
    "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus"
)

BULK_FILES = (
    "orgs",
    "academicSessions",
    "users",
    "roles",
    "demographics",
    "courses",
    "classes",
    "enrollments",
)


def small_district() -> Dataset:
    """A district with one school, a teacher who also works at the district office, a
    student with two parents (one of them Spanish-speaking) and one section."""
    year = AcademicSessionRecord(
        sourced_id="sy",
        title="2026-27",
        type="schoolYear",
        start_date=datetime.date(2026, 8, 24),
        end_date=datetime.date(2027, 6, 11),
        school_year=2027,
    )
    fall = AcademicSessionRecord(
        sourced_id="fall",
        title="Fall 2026",
        type="semester",
        start_date=datetime.date(2026, 8, 24),
        end_date=datetime.date(2027, 1, 15),
        school_year=2027,
        parent_sourced_id="sy",
    )
    return Dataset(
        version="1.2",
        modes=dict.fromkeys(BULK_FILES, "bulk"),
        orgs=[
            OrgRecord(sourced_id="d1", name="Maple Valley Public Schools", type="district"),
            OrgRecord(
                sourced_id="s1",
                name="Maple Valley High",
                type="school",
                identifier="MVHS",
                parent_sourced_id="d1",
            ),
        ],
        academic_sessions=[year, fall],
        users=[
            UserRecord(
                sourced_id="t1",
                given_name="Rosa",
                family_name="Delgado",
                username="rosa.delgado",
                user_ids=("{SIS:E100}", "{LDAP:rdelgado}"),
                email="rosa.delgado@maplevalley.k12.example",
                pronouns="she/her",
            ),
            UserRecord(
                sourced_id="u1",
                given_name="Mateo",
                family_name="Ruiz",
                preferred_given_name="Teo",
                grades=("10",),
                agent_sourced_ids=("p1", "p2"),
                user_master_identifier="SSID-0001",
                primary_org_sourced_id="s1",
            ),
            UserRecord(
                sourced_id="p1",
                given_name="Lucía",
                family_name="Ruiz",
                email="lucia.ruiz@example.com",
                phone="413-555-0142",
                agent_sourced_ids=("u1",),
                metadata={"preferredLanguage": "es"},
            ),
            UserRecord(
                sourced_id="p2",
                given_name="Daniel",
                family_name="Ruiz",
                agent_sourced_ids=("u1",),
                enabled=False,
            ),
        ],
        roles=[
            RoleRecord(
                user_sourced_id="t1",
                role="districtAdministrator",
                org_sourced_id="d1",
                role_type="secondary",
                sourced_id="r0",
            ),
            RoleRecord(user_sourced_id="t1", role="teacher", org_sourced_id="s1", sourced_id="r1"),
            RoleRecord(user_sourced_id="u1", role="student", org_sourced_id="s1", sourced_id="r2"),
            RoleRecord(user_sourced_id="p1", role="parent", org_sourced_id="d1", sourced_id="r3"),
            RoleRecord(user_sourced_id="p2", role="guardian", org_sourced_id="d1"),
        ],
        demographics=[
            DemographicRecord(sourced_id="u1", birth_date=datetime.date(2010, 3, 4), sex="male")
        ],
        courses=[
            CourseRecord(
                sourced_id="c1",
                title="Biology",
                org_sourced_id="s1",
                school_year_sourced_id="sy",
                grades=("09", "10"),
                subjects=("Science",),
            )
        ],
        classes=[
            ClassRecord(
                sourced_id="k1",
                title="Biology (P3)",
                course_sourced_id="c1",
                school_sourced_id="s1",
                term_sourced_ids=("fall",),
                class_type="scheduled",
                grades=("09", "10"),
                periods=("3",),
            )
        ],
        enrollments=[
            EnrollmentRecord(
                sourced_id="e1",
                class_sourced_id="k1",
                school_sourced_id="s1",
                user_sourced_id="t1",
                role="teacher",
                primary=True,
            ),
            EnrollmentRecord(
                sourced_id="e2",
                class_sourced_id="k1",
                school_sourced_id="s1",
                user_sourced_id="u1",
                role="student",
                begin_date=datetime.date(2026, 8, 24),
            ),
        ],
    )


def read_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def header(folder: Path, name: str) -> str:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as stream:
        return stream.readline().rstrip("\r\n")


def manifest(folder: Path) -> dict[str, str]:
    return {row["propertyName"]: row["value"] for row in read_rows(folder, "manifest")}


def test_1_2_headers_are_the_spec_headers_in_order(tmp_path: Path) -> None:
    write_dataset(small_district(), tmp_path, version="1.2")

    assert header(tmp_path, "users") == SPEC_USERS_1_2 + ",metadata.preferredLanguage"
    assert header(tmp_path, "roles") == SPEC_ROLES_1_2
    assert header(tmp_path, "orgs") == SPEC_ORGS
    assert header(tmp_path, "academicSessions") == SPEC_SESSIONS
    assert header(tmp_path, "courses") == SPEC_COURSES
    assert header(tmp_path, "classes") == SPEC_CLASSES
    assert header(tmp_path, "enrollments") == SPEC_ENROLLMENTS
    assert header(tmp_path, "demographics") == SPEC_DEMOGRAPHICS
    assert header(tmp_path, "manifest") == "propertyName,value"


def test_1_1_headers_carry_role_and_orgs_and_no_roles_file(tmp_path: Path) -> None:
    write_dataset(small_district(), tmp_path, version="1.1")

    assert header(tmp_path, "users") == SPEC_USERS_1_1 + ",metadata.preferredLanguage"
    assert header(tmp_path, "orgs") == SPEC_ORGS
    assert header(tmp_path, "enrollments") == SPEC_ENROLLMENTS
    assert not (tmp_path / "roles.csv").exists()
    users = {row["sourcedId"]: row for row in read_rows(tmp_path, "users")}
    # The primary role first; the orgs of every role, primary first.
    assert users["t1"]["role"] == "teacher"
    assert users["t1"]["orgSourcedIds"] == "s1,d1"
    assert users["u1"]["role"] == "student"
    assert users["p2"]["role"] == "guardian"
    assert users["p2"]["enabledUser"] == "false"


def test_1_1_speaks_of_1_2_only_roles_as_administrators(tmp_path: Path) -> None:
    dataset = small_district()
    dataset.roles = [
        RoleRecord(user_sourced_id="t1", role="principal", org_sourced_id="s1"),
        *dataset.roles[2:],
    ]
    write_dataset(dataset, tmp_path, version="1.1")

    users = {row["sourcedId"]: row for row in read_rows(tmp_path, "users")}
    assert users["t1"]["role"] == "administrator"
    assert users["t1"]["orgSourcedIds"] == "s1"


def test_1_2_users_and_roles(tmp_path: Path) -> None:
    write_dataset(small_district(), tmp_path)

    users = {row["sourcedId"]: row for row in read_rows(tmp_path, "users")}
    assert users["u1"]["preferredGivenName"] == "Teo"
    assert users["u1"]["userMasterIdentifier"] == "SSID-0001"
    assert users["u1"]["primaryOrgSourcedId"] == "s1"
    # Without its own, a user's primary org is the org of their primary role.
    assert users["t1"]["primaryOrgSourcedId"] == "s1"
    assert users["t1"]["pronouns"] == "she/her"
    roles = read_rows(tmp_path, "roles")
    assert [(r["userSourcedId"], r["roleType"], r["role"], r["orgSourcedId"]) for r in roles] == [
        ("t1", "secondary", "districtAdministrator", "d1"),
        ("t1", "primary", "teacher", "s1"),
        ("u1", "primary", "student", "s1"),
        ("p1", "primary", "parent", "d1"),
        ("p2", "primary", "guardian", "d1"),
    ]
    # A role without a sourcedId of its own gets a stable one.
    assert roles[4]["sourcedId"] == "p2-guardian-d1"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_bulk_files_leave_status_and_date_blank(tmp_path: Path, version: Version) -> None:
    dataset = small_district()
    stamp = datetime.datetime(2026, 11, 1, 8, 30, tzinfo=datetime.UTC)
    dataset.users = [
        UserRecord(
            sourced_id=u.sourced_id,
            given_name=u.given_name,
            family_name=u.family_name,
            agent_sourced_ids=u.agent_sourced_ids,
            status="active",
            date_last_modified=stamp,
        )
        for u in dataset.users
    ]
    write_dataset(dataset, tmp_path, version=version)

    for name in ("orgs", "users", "enrollments", "classes", "demographics"):
        for row in read_rows(tmp_path, name):
            assert (row["status"], row["dateLastModified"]) == ("", ""), name


def test_delta_files_carry_status_and_date(tmp_path: Path) -> None:
    stamp = datetime.datetime(2026, 11, 1, 8, 30, tzinfo=datetime.UTC)
    dataset = Dataset(
        version="1.2",
        modes={"users": "delta"},
        users=[
            UserRecord(
                sourced_id="u1",
                given_name="Mateo",
                family_name="Ruiz",
                status="active",
                date_last_modified=stamp,
            ),
            UserRecord(
                sourced_id="u2",
                given_name="Ana",
                family_name="Soto",
                status="tobedeleted",
                date_last_modified=stamp,
            ),
        ],
    )
    write_dataset(dataset, tmp_path)

    rows = read_rows(tmp_path, "users")
    assert [(r["status"], r["dateLastModified"]) for r in rows] == [
        ("active", "2026-11-01T08:30:00.000Z"),
        ("tobedeleted", "2026-11-01T08:30:00.000Z"),
    ]
    assert manifest(tmp_path)["file.users"] == "delta"
    assert manifest(tmp_path)["file.roles"] == "absent"
    assert not (tmp_path / "orgs.csv").exists()


def test_a_delta_row_without_a_date_is_refused(tmp_path: Path) -> None:
    dataset = Dataset(
        version="1.2",
        modes={"users": "delta"},
        users=[UserRecord(sourced_id="u1", given_name="A", family_name="B", status="active")],
    )
    with pytest.raises(WriterError, match=r"users: u1 .* no dateLastModified"):
        write_dataset(dataset, tmp_path)


def test_a_1_1_user_without_a_role_is_refused(tmp_path: Path) -> None:
    dataset = small_district()
    dataset.roles = [role for role in dataset.roles if role.user_sourced_id != "p2"]
    with pytest.raises(WriterError, match="users: p2 has no role"):
        write_dataset(dataset, tmp_path / "out", version="1.1")


def test_list_fields_are_one_quoted_cell(tmp_path: Path) -> None:
    write_dataset(small_district(), tmp_path)

    raw = (tmp_path / "users.csv").read_text(encoding="utf-8")
    assert '"{SIS:E100},{LDAP:rdelgado}"' in raw
    assert '"p1,p2"' in raw
    rows = {row["sourcedId"]: row for row in read_rows(tmp_path, "users")}
    assert rows["u1"]["agentSourcedIds"] == "p1,p2"
    assert rows["p1"]["agentSourcedIds"] == "u1"
    classes = read_rows(tmp_path, "classes")
    assert classes[0]["grades"] == "09,10"
    assert classes[0]["termSourcedIds"] == "fall"


def test_metadata_columns_follow_the_spec_columns(tmp_path: Path) -> None:
    write_dataset(small_district(), tmp_path)

    assert header(tmp_path, "users") == SPEC_USERS_1_2 + ",metadata.preferredLanguage"
    rows = {row["sourcedId"]: row for row in read_rows(tmp_path, "users")}
    assert rows["p1"]["metadata.preferredLanguage"] == "es"
    assert rows["p2"]["metadata.preferredLanguage"] == ""
    # Files whose records carry no metadata have no metadata columns.
    assert header(tmp_path, "orgs") == SPEC_ORGS


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_manifest_lists_every_file_of_the_version(tmp_path: Path, version: Version) -> None:
    write_dataset(small_district(), tmp_path, version=version)

    properties = manifest(tmp_path)
    assert properties["manifest.version"] == "1.0"
    assert properties["oneroster.version"] == version
    assert properties["source.systemName"] == "OpenAUP"
    files = {key[5:]: value for key, value in properties.items() if key.startswith("file.")}
    written = {"orgs", "academicSessions", "users", "demographics", "courses", "classes"}
    written |= {"enrollments"} | ({"roles"} if version == "1.2" else set())
    assert {name for name, mode in files.items() if mode == "bulk"} == written
    assert {name for name, mode in files.items() if mode == "absent"} >= {"results", "lineItems"}
    assert len(files) == (13 if version == "1.1" else 21)
    on_disk = {path.stem for path in tmp_path.glob("*.csv")} - {"manifest"}
    assert on_disk == written


def test_values_are_written_in_the_spec_forms(tmp_path: Path) -> None:
    write_dataset(small_district(), tmp_path)

    sessions = {row["sourcedId"]: row for row in read_rows(tmp_path, "academicSessions")}
    assert sessions["fall"]["startDate"] == "2026-08-24"
    assert sessions["fall"]["schoolYear"] == "2027"
    assert sessions["fall"]["parentSourcedId"] == "sy"
    enrollments = {row["sourcedId"]: row for row in read_rows(tmp_path, "enrollments")}
    assert enrollments["e1"]["primary"] == "true"
    assert enrollments["e2"]["primary"] == "false"
    assert enrollments["e2"]["beginDate"] == "2026-08-24"
    demographics = read_rows(tmp_path, "demographics")
    assert (demographics[0]["birthDate"], demographics[0]["sex"]) == ("2010-03-04", "male")
    users = {row["sourcedId"]: row for row in read_rows(tmp_path, "users")}
    assert users["p1"]["givenName"] == "Lucía"


def test_a_zip_has_every_file_at_its_root(tmp_path: Path) -> None:
    target = write_dataset(small_district(), tmp_path / "district.zip")

    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        users = archive.read("users.csv").decode("utf-8")
    assert names == {f"{name}.csv" for name in ("manifest", *BULK_FILES)}
    rows = list(csv.DictReader(io.StringIO(users)))
    assert [row["sourcedId"] for row in rows] == ["t1", "u1", "p1", "p2"]
    assert users.splitlines()[0] == SPEC_USERS_1_2 + ",metadata.preferredLanguage"
