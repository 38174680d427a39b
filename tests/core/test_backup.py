"""`aup backup` and `aup restore`: a round trip, and archives that must be refused."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from openaup.core.backup import read_manifest
from openaup.directory.models import Person
from tests.directory.factories import StudentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    folder.mkdir()
    settings.DATA_DIR = folder
    return folder


def _names() -> set[str]:
    return set(Person.objects.values_list("given_name", flat=True))


def test_round_trip_brings_back_database_and_data_dir(data_dir: Path, tmp_path: Path) -> None:
    StudentFactory(given_name="Ava")
    StudentFactory(given_name="Ben")
    (data_dir / "imports").mkdir()
    (data_dir / "imports" / "roster.zip").write_bytes(b"zip bytes")
    (data_dir / "secret_key").write_text("kept-secret\n")
    archive = tmp_path / "backup.tar.gz"

    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert "Backup written" in out.getvalue()
    manifest = read_manifest(archive)
    assert manifest["database"]["vendor"] == connection.vendor
    assert "directory.0001_initial" in manifest["migrations"]

    # Life goes on after the backup: a record changes, one is added, files change.
    Person.objects.filter(given_name="Ava").update(given_name="Zed")
    StudentFactory(given_name="Cal")
    (data_dir / "imports" / "roster.zip").write_bytes(b"changed")
    (data_dir / "stray.txt").write_text("new since the backup")

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "Restored" in out.getvalue()
    assert _names() == {"Ava", "Ben"}
    assert (data_dir / "imports" / "roster.zip").read_bytes() == b"zip bytes"
    assert (data_dir / "secret_key").read_text() == "kept-secret\n"
    assert not (data_dir / "stray.txt").exists()
    # The state just before the restore was saved, and can itself be restored.
    safety = sorted((data_dir / "backups").glob("before-restore-*.tar.gz"))
    assert len(safety) == 1
    call_command("restore", str(safety[0]), "--no-safety-backup", stdout=io.StringIO())
    assert _names() == {"Zed", "Ben", "Cal"}
    assert (data_dir / "stray.txt").read_text() == "new since the backup"


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return path


def _manifest(**changes: Any) -> bytes:
    manifest: dict[str, Any] = {
        "format": "openaup-backup",
        "format_version": 1,
        "openaup_version": "0.1.0",
        "created_at": "2026-11-28T00:00:00+00:00",
        "database": {"vendor": connection.vendor, "member": "database.sqlite3"},
        "migrations": ["directory.0001_initial"],
        "data_files": 0,
    }
    manifest.update(changes)
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"notes.txt": b"hello"}, "not an OpenAUP backup"),
        ({"manifest.json": b"{not json"}, "not valid JSON"),
        ({"manifest.json": _manifest(format_version=99)}, "format 99 is not supported"),
        ({"manifest.json": _manifest()}, "the database (database.sqlite3) is missing"),
        (
            {"manifest.json": _manifest(), "database.sqlite3": b"", "../evil": b"x"},
            "points outside the archive",
        ),
        (
            {
                "manifest.json": _manifest(database={"vendor": "oracle", "member": "db"}),
                "db": b"",
            },
            "holds a oracle database",
        ),
        (
            {
                "manifest.json": _manifest(migrations=["directory.9999_from_the_future"]),
                "database.sqlite3": b"",
            },
            "upgrade OpenAUP first",
        ),
    ],
)
def test_bad_archives_are_refused_and_change_nothing(
    data_dir: Path, tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    StudentFactory(given_name="Ava")
    (data_dir / "keep.txt").write_text("untouched")
    archive = _archive(tmp_path / "bad.tar.gz", members)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert _names() == {"Ava"}
    assert (data_dir / "keep.txt").read_text() == "untouched"
    assert not (data_dir / "backups").exists()


def test_a_file_that_is_not_an_archive_is_refused(data_dir: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_text("plain text")
    with pytest.raises(CommandError, match=r"not a readable \.tar\.gz archive"):
        call_command("restore", str(bogus), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.tar.gz"), stdout=io.StringIO())


def test_backup_into_a_folder_is_refused(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="is a folder"):
        call_command("backup", str(tmp_path), stdout=io.StringIO())
