"""``aup roster import`` and ``aup roster summary``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openaup.audit.models import AuditEvent
from openaup.directory.models import ImportRun, Person
from tests.directory.roster_packages import V11, V12, copy_package, drop_rows, edit

pytestmark = pytest.mark.django_db

SUMMARY_KEYS = {
    "schools",
    "students",
    "staff",
    "guardians",
    "guardian_links",
    "sections",
    "enrollments",
    "departed",
}


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("roster", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary() -> dict[str, int]:
    out, _ = run("summary", "--json")
    counts: dict[str, int] = json.loads(out)
    return counts


def test_summary_json_has_exactly_the_documented_keys() -> None:
    counts = summary()

    assert set(counts) == SUMMARY_KEYS
    assert all(value == 0 for value in counts.values())


def test_import_then_summary() -> None:
    out, _ = run("import", str(V12))

    assert "OneRoster 1.2 package" in out
    assert "Imported (run" in out
    assert summary() == {
        "schools": 2,
        "students": 5,
        "staff": 5,
        "guardians": 3,
        "guardian_links": 4,
        "sections": 3,
        "enrollments": 8,
        "departed": 0,
    }
    table, _ = run("summary")
    assert "Students" in table
    assert "Parents and guardians" in table


def test_import_is_recorded_as_the_command_line_user() -> None:
    run("import", str(V11))

    event = AuditEvent.objects.get(action="roster.imported")
    assert event.channel == "cli"
    assert "aup roster import" in event.actor_repr


def test_dry_run_prints_what_would_change_and_changes_nothing(tmp_path: Path) -> None:
    run("import", str(V12))
    package = copy_package(tmp_path)
    edit(package, "users.csv", "u-par-1,03,", "u-par-1,04,")  # Ava moves up a grade
    # Rosa is no longer in the roster
    drop_rows(package, "users.csv", "u-rel-3,")
    drop_rows(package, "roles.csv", "r-rel-3,")
    edit(package, "users.csv", ",u-rel-3,10,", ",,10,")

    out, _ = run("import", str(package), "--dry-run")

    assert "People would be changed:" in out
    assert "Nguyen, Ava (u-stu-es-1): grade 03 → 04" in out
    assert "People would be marked departed:" in out
    assert "Nguyen, Rosa (u-rel-3)" in out
    assert "Dry run: nothing was changed." in out
    assert Person.objects.get(sourced_id="u-stu-es-1").grade == "03"
    assert Person.objects.get(sourced_id="u-rel-3").status == "active"
    assert ImportRun.objects.order_by("-pk").first().status == "previewed"  # type: ignore[union-attr]


def test_bad_input_lists_the_problems_and_fails(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit(package, "users.csv", "u-par-1,03,", "u-par-1,K,")
    edit(package, "enrollments.csv", "e-8,", "e-7,")

    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("roster", "import", str(package), stdout=io.StringIO(), stderr=err)

    assert "2 problems" in str(caught.value)
    assert "nothing was imported" in str(caught.value)
    assert "users.csv, row 7, column grades: unknown grade code 'K'" in err.getvalue()
    assert "enrollments.csv, row 9, column sourcedId: duplicate sourcedId 'e-7'" in err.getvalue()
    assert summary()["students"] == 0


def test_missing_path_fails() -> None:
    with pytest.raises(CommandError):
        run("import", "/nonexistent/roster.zip")
