"""Reading OneRoster packages: both versions, the tolerance real exports need, and every kind
of bad input (each a clear problem naming file, row and column)."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import pytest

from openaup.directory.oneroster.reader import (
    KnownIds,
    Problem,
    RosterInvalid,
    read_roster,
)
from openaup.directory.oneroster.records import Dataset
from openaup.directory.oneroster.vocabulary import normalize_grade
from tests.directory.roster_packages import DATA, copy_package, edit, zip_folder


def problems_of(path: Path, **kwargs: object) -> list[Problem]:
    with pytest.raises(RosterInvalid) as caught:
        read_roster(path, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def only_problem(path: Path, **kwargs: object) -> Problem:
    problems = problems_of(path, **kwargs)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def by_id(records: list, sourced_id: str):  # type: ignore[no-untyped-def,type-arg]
    return next(record for record in records if record.sourced_id == sourced_id)


# --- the two versions -------------------------------------------------------------------------


def test_reads_a_1_2_package() -> None:
    dataset = read_roster(DATA / "oneroster_1_2")

    assert dataset.version == "1.2"
    assert dataset.source_system == "Birch Creek SIS"
    assert dataset.mode("users") == "bulk"
    assert dataset.mode("roles") == "bulk"
    counts = {
        name: len(getattr(dataset, name))
        for name in ("orgs", "academic_sessions", "users", "roles", "demographics")
    }
    assert counts == {
        "orgs": 5,
        "academic_sessions": 3,
        "users": 13,
        "roles": 14,
        "demographics": 5,
    }
    assert (len(dataset.courses), len(dataset.classes), len(dataset.enrollments)) == (3, 3, 8)

    ben = by_id(dataset.users, "u-stu-es-2")
    assert ben.preferred_given_name == "Ben"
    assert ben.grades == ("01",)  # written "1"
    assert ben.user_master_identifier == "S1002"
    assert ben.primary_org_sourced_id == "org-es"
    parent = by_id(dataset.users, "u-par-1")
    assert parent.agent_sourced_ids == ("u-stu-es-1", "u-stu-hs-1")
    assert parent.metadata == {"preferredLanguage": "vi"}
    assert by_id(dataset.users, "u-stu-hs-3").enabled is False
    teacher_roles = [r for r in dataset.roles if r.user_sourced_id == "u-tch-hs"]
    assert [(r.org_sourced_id, r.role_type) for r in teacher_roles] == [
        ("org-hs-science", "primary"),
        ("org-es", "secondary"),
    ]
    assert by_id(dataset.roles, "r-prin-es").begin_date == datetime.date(2020, 7, 1)
    assert by_id(dataset.demographics, "u-stu-hs-2").birth_date == datetime.date(2007, 3, 11)
    english = by_id(dataset.classes, "k-hs-eng")
    assert english.term_sourced_ids == ("as-2027-s1", "as-2027-s2")
    assert english.periods == ("4",)
    assert by_id(dataset.courses, "c-hs-bio").grades == ("09", "10")


def test_reads_a_1_1_export_with_the_habits_of_real_exports() -> None:
    """BOM, CRLF, status and dateLastModified filled in bulk files, TRUE/True/true, a vendor
    column and a metadata column among the spec columns."""
    raw = (DATA / "oneroster_1_1" / "users.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw

    dataset = read_roster(DATA / "oneroster_1_1")

    assert dataset.version == "1.1"
    assert dataset.mode("roles") == "bulk"  # follows users.csv in 1.1
    admin = by_id(dataset.users, "u-admin")
    assert admin.status == "active"
    assert admin.date_last_modified == datetime.datetime(2026, 8, 20, 6, 0, tzinfo=datetime.UTC)
    assert admin.user_ids == ("{LDAP:5001}",)
    assert admin.metadata == {}
    assert by_id(dataset.users, "u-stu-es-2").enabled is True  # "True"
    assert by_id(dataset.users, "u-stu-hs-3").enabled is False  # "FALSE"
    assert by_id(dataset.users, "u-rel-3").metadata == {"preferredLanguage": "es"}
    # roles come from role + orgSourcedIds: one per org, the first one primary
    teacher_roles = [r for r in dataset.roles if r.user_sourced_id == "u-tch-hs"]
    assert [(r.role, r.org_sourced_id, r.role_type) for r in teacher_roles] == [
        ("teacher", "org-hs-science", "primary"),
        ("teacher", "org-es", "secondary"),
    ]
    assert len(dataset.roles) == len(dataset.users) + 1
    assert by_id(dataset.enrollments, "e-1").primary is True


def test_a_zip_reads_the_same_as_its_folder(tmp_path: Path) -> None:
    folder = DATA / "oneroster_1_2"
    flat = zip_folder(folder, tmp_path / "flat.zip")
    nested = zip_folder(folder, tmp_path / "nested.zip", prefix="export-2026-08-20/")

    expected = read_roster(folder)
    assert read_roster(flat) == expected
    assert read_roster(nested) == expected  # tolerated: everything inside one folder


def test_header_case_order_blank_lines_and_vendor_columns_are_tolerated(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    (package / "orgs.csv").write_text(
        "\ufeffTYPE,SourcedId,Name,x_vendor,parentsourcedid,Metadata.Region\r\n"
        "\r\n"
        "district,org-district,Birch Creek School District,7,,North\r\n"
        ",,,,,\r\n"
        "School,org-es,Birch Creek Elementary,8,org-district,\r\n"
        "school,org-hs,Birch Creek High,9,org-district,South\r\n"
        "department,org-hs-science,Science,,org-hs,\r\n",
        encoding="utf-8",
    )
    edit(package, "orgs.csv", "", "")
    dataset = read_roster(package)

    assert [org.sourced_id for org in dataset.orgs] == [
        "org-district",
        "org-es",
        "org-hs",
        "org-hs-science",
    ]
    assert by_id(dataset.orgs, "org-es").type == "school"
    assert by_id(dataset.orgs, "org-district").metadata == {"Region": "North"}
    assert by_id(dataset.orgs, "org-es").metadata == {}


@pytest.mark.parametrize(
    ("written", "expected"),
    [("KG", "KG"), ("kg", "KG"), ("other", "Other"), ("1", "01"), ("09", "09"), ("13", "13")],
)
def test_grade_codes_are_matched_loosely(written: str, expected: str) -> None:
    assert normalize_grade(written) == expected


@pytest.mark.parametrize("written", ["K", "Kindergarten", "14", "0", "First grade"])
def test_grades_that_are_not_codes_are_refused(written: str) -> None:
    assert normalize_grade(written) is None


def test_a_delta_package_may_refer_to_what_the_directory_holds(tmp_path: Path) -> None:
    package = tmp_path / "delta"
    package.mkdir()
    (package / "manifest.csv").write_text(
        "propertyName,value\noneroster.version,1.2\nfile.enrollments,delta\n"
    )
    (package / "enrollments.csv").write_text(
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role\n"
        "e-9,active,2026-09-01T10:00:00Z,k-1,org-es,u-1,student\n"
        "e-2,tobedeleted,2026-09-01,k-1,org-es,u-2,student\n"
    )
    known = KnownIds(
        orgs={"org-es": "school"},
        users={"u-1": frozenset({"student"}), "u-2": frozenset({"student"})},
        classes={"k-1"},
    )
    asked: list[bool] = []

    def lookup() -> KnownIds:
        asked.append(True)
        return known

    dataset = read_roster(package, known=lookup)

    assert asked == [True]
    assert [(e.sourced_id, e.status) for e in dataset.enrollments] == [
        ("e-9", "active"),
        ("e-2", "tobedeleted"),
    ]
    assert dataset.enrollments[1].date_last_modified == datetime.datetime(
        2026, 9, 1, tzinfo=datetime.UTC
    )
    problems = problems_of(package)  # nothing known: every reference is missing
    assert {p.column for p in problems} == {"classSourcedId", "schoolSourcedId", "userSourcedId"}


def test_a_bulk_file_may_not_lean_on_the_directory(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "enrollments.csv", "e-8,,,k-hs-eng", "e-8,,,k-gone")
    known = KnownIds(classes={"k-gone"})

    problem = only_problem(package, known=known)

    assert str(problem) == (
        "enrollments.csv, row 9, column classSourcedId: no class with sourcedId 'k-gone'"
    )


def test_problem_reads_as_file_row_column_message() -> None:
    problem = Problem("users.csv", 7, "grades", "unknown grade code 'K'")
    assert str(problem) == "users.csv, row 7, column grades: unknown grade code 'K'"
    assert str(Problem("manifest.csv", None, "", "missing")) == "manifest.csv: missing"


# --- bad input --------------------------------------------------------------------------------


def test_missing_manifest(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    (package / "manifest.csv").unlink()

    problem = only_problem(package)

    assert problem.file == "manifest.csv"
    assert "missing" in problem.message


def test_a_file_the_manifest_names_is_missing(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    (package / "enrollments.csv").unlink()

    problem = only_problem(package)

    assert problem.file == "enrollments.csv"
    assert "file.enrollments,bulk" in problem.message
    assert "missing" in problem.message


def test_an_absent_file_need_not_be_there(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    (package / "demographics.csv").unlink()
    edit(package, "manifest.csv", "file.demographics,bulk", "file.demographics,absent")

    dataset = read_roster(package)

    assert dataset.demographics == []
    assert dataset.mode("demographics") == "absent"


def test_missing_required_column(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "classes.csv", ",termSourcedIds,", ",terms,")

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("classes.csv", 1, "termSourcedIds")
    assert "required column is missing" in problem.message


def test_unknown_role(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "roles.csv", "u-tch-es,primary,teacher", "u-tch-es,primary,lunchLady")

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("roles.csv", 5, "role")
    assert "unknown role 'lunchLady'" in problem.message


def test_unknown_role_in_1_1(tmp_path: Path) -> None:
    package = copy_package(tmp_path, "1_1")
    edit(package, "users.csv", "org-hs,relative,", "org-hs,aunt,")

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("users.csv", 14, "role")


def test_unknown_grade_code(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "users.csv", "u-par-1,03,", "u-par-1,K,")

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("users.csv", 7, "grades")
    assert "unknown grade code 'K'" in problem.message


@pytest.mark.parametrize(
    ("file", "old", "new", "column", "what"),
    [
        ("orgs.csv", "school,101,org-district", "school,101,org-nowhere", "parentSourcedId", "org"),
        ("roles.csv", "r-tch-hs-es,,,u-tch-hs,", "r-tch-hs-es,,,u-x,", "userSourcedId", "user"),
        ("enrollments.csv", "e-3,,,k-es-hr", "e-3,,,k-none", "classSourcedId", "class"),
        (
            "classes.csv",
            "org-es,as-2027,",
            "org-es,as-2031,",
            "termSourcedIds",
            "academic session",
        ),
        ("users.csv", "u-par-1,03", "u-par-9,03", "agentSourcedIds", "user"),
    ],
)
def test_reference_to_something_that_does_not_exist(
    tmp_path: Path, file: str, old: str, new: str, column: str, what: str
) -> None:
    package = copy_package(tmp_path)
    edit(package, file, old, new)

    problem = only_problem(package)

    assert (problem.file, problem.column) == (file, column)
    assert problem.message.startswith(f"no {what} with sourcedId")
    assert problem.row is not None
    assert problem.row > 1


def test_a_class_at_a_district_is_refused(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(
        package, "classes.csv", "HR12,homeroom,Room 12,org-es", "HR12,homeroom,Room 12,org-district"
    )

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("classes.csv", 2, "schoolSourcedId")
    assert "is a district, not a school" in problem.message


def test_duplicate_sourced_id(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "enrollments.csv", "e-8,", "e-7,")

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("enrollments.csv", 9, "sourcedId")
    assert problem.message == "duplicate sourcedId 'e-7' (first on row 8)"


@pytest.mark.parametrize("written", ["1/05/2023", "2023-5-1", "2023-02-30", "20230501", "soon"])
def test_malformed_dates(tmp_path: Path, written: str) -> None:
    package = copy_package(tmp_path)
    edit(package, "demographics.csv", "2007-03-11", written)

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("demographics.csv", 5, "birthDate")
    assert f"malformed date {written!r}" in problem.message


def test_malformed_date_time_in_date_last_modified(tmp_path: Path) -> None:
    package = copy_package(tmp_path, "1_1")
    edit(package, "orgs.csv", "org-es,active,2026-08-20T06:00:00.000Z", "org-es,active,yesterday")

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("orgs.csv", 3, "dateLastModified")


def test_session_ending_before_it_starts(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "academicSessions.csv", "2026-08-24,2027-01-15", "2026-08-24,2026-01-15")

    problem = only_problem(package)

    assert (problem.row, problem.column) == (3, "endDate")


def test_guardian_link_to_a_non_student(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "users.csv", '"u-stu-es-1,u-stu-hs-1"', '"u-stu-es-1,u-tch-es"')

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("users.csv", 12, "agentSourcedIds")
    assert problem.message == "agent 'u-tch-es' is not a student (roles: teacher)"


def test_student_agent_that_is_not_a_guardian(tmp_path: Path) -> None:
    package = copy_package(tmp_path, "1_1")
    edit(
        package,
        "users.csv",
        ",S3001,cara.nguyen@students.birchcreek.example,,,u-rel-3,",
        ",S3001,cara.nguyen@students.birchcreek.example,,,u-tch-hs,",
    )

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("users.csv", 9, "agentSourcedIds")
    assert "is not a parent, guardian or relative" in problem.message


def test_text_that_is_not_utf8(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    path = package / "users.csv"
    path.write_bytes(path.read_bytes().replace(b"Silva", "Silv\u00e1".encode("latin-1")))

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("users.csv", 13, "familyName")
    assert "not UTF-8" in problem.message


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    package = copy_package(tmp_path)
    (package / "courses.csv").write_bytes(content)

    problems = problems_of(package)

    assert str(problems[0]) == "courses.csv, row 1: the file is empty (no header row)"
    # what refers to courses is not blamed for it
    assert len(problems) == 1


def test_empty_manifest(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    (package / "manifest.csv").write_bytes(b"")

    problem = only_problem(package)

    assert (problem.file, problem.row) == ("manifest.csv", 1)


@pytest.mark.parametrize(
    "member", ["../evil.csv", "/etc/evil.csv", "sub/../../evil.csv", "C:/x.csv"]
)
def test_zip_with_a_path_outside_its_root(tmp_path: Path, member: str) -> None:
    archive = zip_folder(DATA / "oneroster_1_2", tmp_path / "slip.zip")
    with zipfile.ZipFile(archive, "a") as handle:
        handle.writestr(zipfile.ZipInfo(member), b"x")
    before = set(tmp_path.parent.rglob("evil.csv"))

    problem = only_problem(archive)

    assert problem.file == member
    assert "outside its root" in problem.message
    assert set(tmp_path.parent.rglob("evil.csv")) == before


def test_zip_that_would_unpack_too_large(tmp_path: Path) -> None:
    archive = zip_folder(DATA / "oneroster_1_2", tmp_path / "big.zip")

    problem = only_problem(archive, max_bytes=2000)

    assert "more than the 2,000 bytes" in problem.message


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "roster.zip"
    path.write_bytes(b"this is not a zip")

    problem = only_problem(path)

    assert problem.message == "not a zip file or a folder"


def test_unsupported_version(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "manifest.csv", "oneroster.version,1.2", "oneroster.version,1.0")

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("manifest.csv", 3, "value")


def test_delta_rows_need_status_and_date(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "manifest.csv", "file.courses,bulk", "file.courses,delta")

    problems = problems_of(package)

    assert {(p.row, p.column) for p in problems} == {
        (row, column) for row in (2, 3, 4) for column in ("status", "dateLastModified")
    }


def test_bad_booleans_and_statuses(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "users.csv", "u-prin-es,,,true", "u-prin-es,deleted,,yes")

    problems = problems_of(package)

    assert sorted(str(p) for p in problems) == [
        "users.csv, row 3, column enabledUser: expected true or false, not 'yes'",
        (
            "users.csv, row 3, column status: unknown status 'deleted' (expected active or "
            "tobedeleted)"
        ),
    ]


def test_values_longer_than_the_directory_keeps(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "users.csv", "Rosa,Nguyen", f"Rosa,{'N' * 101}")

    problem = only_problem(package)

    assert (problem.row, problem.column) == (14, "familyName")
    assert "longer than 100 characters" in problem.message


def test_every_problem_is_collected_before_stopping(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "users.csv", "u-par-1,03,", "u-par-1,K,")
    edit(package, "enrollments.csv", "e-8,", "e-7,")
    edit(package, "demographics.csv", "2007-03-11", "3/11/2007")
    (package / "courses.csv").write_bytes(b"")

    problems = problems_of(package)

    assert {p.file for p in problems} == {
        "users.csv",
        "enrollments.csv",
        "demographics.csv",
        "courses.csv",
    }


def test_a_user_without_any_role_in_1_2(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "roles.csv", "r-gua-2,,,u-gua-2,primary,guardian,,,org-district,\n", "")

    problems = problems_of(package)

    assert "users.csv, row 13, column sourcedId: user 'u-gua-2' has no role in roles.csv" in {
        str(p) for p in problems
    }


def test_datasets_compare_by_value() -> None:
    assert read_roster(DATA / "oneroster_1_2") == read_roster(DATA / "oneroster_1_2")
    assert isinstance(read_roster(DATA / "oneroster_1_1"), Dataset)


def test_a_school_must_belong_to_a_district(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(
        package,
        "orgs.csv",
        "org-es,,,Birch Creek Elementary,school,101,org-district",
        "org-es,,,Birch Creek Elementary,school,101,org-state\n"
        "org-other,,,Aspen Ridge School District,district,ARSD,",
    )

    problem = only_problem(package)

    assert (problem.file, problem.row, problem.column) == ("orgs.csv", 4, "parentSourcedId")
    assert "belongs to no district" in problem.message


def test_with_one_district_a_school_without_parent_belongs_to_it(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(
        package,
        "orgs.csv",
        "Birch Creek Elementary,school,101,org-district",
        "Birch Creek Elementary,school,101,",
    )

    assert by_id(read_roster(package).orgs, "org-es").parent_sourced_id == ""
