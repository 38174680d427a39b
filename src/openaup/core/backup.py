"""Backups: the database and the data dir in one archive, and bringing them back.

An archive is a gzip'd tar with:

- ``manifest.json``: format, OpenAUP version, time, database vendor, applied migrations;
- ``database.sqlite3`` (a consistent online copy made with SQLite's backup API) or
  ``database.pgdump`` (``pg_dump --format=custom``);
- ``data/...``: the data dir, less what is rebuilt or kept apart (collected static files,
  the backups folder, the SQLite database files themselves).

A restore checks the whole archive before it changes anything: its format, that every member
stays inside the archive, that the database matches the configured one (SQLite or
PostgreSQL), and that it was not made by a newer OpenAUP (unknown migrations). It then saves
the current state to ``<data dir>/backups/`` and brings back the database and the data dir.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

import openaup

__all__ = ["BackupError", "BackupInfo", "create_backup", "read_manifest", "restore_backup"]

FORMAT = "openaup-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_PREFIX = "data"
#: Data dir entries never put in a backup nor replaced by a restore.
KEPT_APART = frozenset({"static", "backups"})


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    vendor: str
    created_at: str
    openaup_version: str
    data_files: int
    migrations_missing: tuple[str, ...] = ()


# --- helpers ------------------------------------------------------------------


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _applied_migrations() -> list[str]:
    loader = MigrationLoader(connection)
    return sorted(f"{app}.{name}" for app, name in loader.applied_migrations)


def _known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def _sqlite_files() -> set[Path]:
    if connection.vendor != "sqlite":
        return set()
    name = str(settings.DATABASES["default"]["NAME"])
    if name.startswith("file:") or name == ":memory:":
        return set()
    db = Path(name).resolve()
    return {db, *(db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}


def _data_files(data_dir: Path, exclude: set[Path]) -> Iterator[Path]:
    if not data_dir.is_dir():
        return
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if relative.parts[0] in KEPT_APART or path.resolve() in exclude:
            continue
        if path.is_file() and not path.is_symlink():
            yield path


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        {
            "PGDATABASE": str(db["NAME"]),
            "PGUSER": str(db.get("USER") or ""),
            "PGPASSWORD": str(db.get("PASSWORD") or ""),
            "PGHOST": str(db.get("HOST") or ""),
            "PGPORT": str(db.get("PORT") or ""),
        }
    )
    return {key: value for key, value in env.items() if value != ""}


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: PostgreSQL backups need the PostgreSQL client tools "
            "(Debian/Ubuntu: apt-get install postgresql-client)"
        )
    return found


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.stdout.strip()}")


# --- backup -------------------------------------------------------------------


def create_backup(target: Path) -> BackupInfo:
    """Write a backup of the database and the data dir to ``target`` (a .tar.gz)."""
    vendor = _vendor()
    target = target.resolve()
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give the name of the archive to write")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} does not exist")
    data_dir = Path(settings.DATA_DIR).resolve()
    created_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")

    with tempfile.TemporaryDirectory(prefix="openaup-backup-") as tmp:
        if vendor == "sqlite":
            db_member = "database.sqlite3"
            dump = Path(tmp) / db_member
            connection.ensure_connection()
            destination = sqlite3.connect(dump)
            try:
                connection.connection.backup(destination)
            finally:
                destination.close()
        else:
            db_member = "database.pgdump"
            dump = Path(tmp) / db_member
            _run(
                [
                    _pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    f"--file={dump}",
                ],
                "pg_dump",
            )
        files = list(_data_files(data_dir, _sqlite_files() | {target}))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "openaup_version": openaup.__version__,
            "created_at": created_at,
            "database": {"vendor": vendor, "member": db_member},
            "migrations": _applied_migrations(),
            "data_files": len(files),
        }
        partial = target.with_name(f".{target.name}.partial")
        with tarfile.open(partial, "w:gz") as archive:
            payload = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(payload)
            info.mtime = int(datetime.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(payload))
            archive.add(dump, arcname=db_member)
            for path in files:
                relative = path.relative_to(data_dir).as_posix()
                archive.add(path, arcname=f"{DATA_PREFIX}/{relative}", recursive=False)
        partial.replace(target)
    return BackupInfo(
        path=target,
        vendor=vendor,
        created_at=created_at,
        openaup_version=openaup.__version__,
        data_files=len(files),
    )


# --- restore ------------------------------------------------------------------


def _checked_members(archive: tarfile.TarFile, source: Path) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    for member in archive.getmembers():
        name = PurePosixPath(member.name)
        if name.is_absolute() or ".." in name.parts:
            raise BackupError(f"{source}: member {member.name!r} points outside the archive")
        if not (member.isfile() or member.isdir()):
            raise BackupError(f"{source}: member {member.name!r} is not a plain file")
        members[name.as_posix()] = member
    return members


def read_manifest(source: Path) -> dict[str, Any]:
    """Open ``source``, check it whole, and return its manifest."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        with tarfile.open(source, "r:gz") as archive:
            members = _checked_members(archive, source)
            if MANIFEST not in members:
                raise BackupError(f"{source}: not an OpenAUP backup (no {MANIFEST})")
            handle = archive.extractfile(members[MANIFEST])
            assert handle is not None
            manifest: dict[str, Any] = json.loads(handle.read().decode())
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{source}: not an OpenAUP backup ({MANIFEST} format)")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"{source}: backup format {manifest.get('format_version')} "
                    f"is not supported (this OpenAUP reads format {FORMAT_VERSION})"
                )
            member = manifest.get("database", {}).get("member", "")
            if member not in members:
                raise BackupError(f"{source}: the database ({member or '?'}) is missing")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{source}: not a readable .tar.gz archive ({exc})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{source}: {MANIFEST} is not valid JSON ({exc})") from exc
    return manifest


def _safety_backup() -> Path:
    folder = Path(settings.DATA_DIR) / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return create_backup(folder / f"before-restore-{stamp}.tar.gz").path


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        if source.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError("the database in the backup is damaged (integrity check failed)")
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(dump: Path) -> None:
    tool = _pg_tool("pg_restore")
    _run([tool, "--list", str(dump)], "reading the PostgreSQL dump")
    # Tables that newer migrations added would survive a plain --clean and confuse `migrate`:
    # drop every table of ours first, then restore into the empty schema.
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
        # The guards of append-only tables (audit events, signatures) are trigger functions
        # of their own; the dump brings them back, so drop every function of our schema that
        # no extension owns.
        cursor.execute(
            """SELECT p.oid::regprocedure::text FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = current_schema() AND p.prokind = 'f'
            AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.objid = p.oid AND d.deptype = 'e')"""
        )
        for (function,) in cursor.fetchall():
            cursor.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    connections.close_all()
    _run(
        [
            tool,
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(dump),
        ],
        "pg_restore",
    )


def _restore_data_dir(archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> int:
    data_dir = Path(settings.DATA_DIR).resolve()
    for path in list(_data_files(data_dir, _sqlite_files())):
        path.unlink()
    count = 0
    for name, member in members.items():
        parts = PurePosixPath(name).parts
        if parts[0] != DATA_PREFIX or len(parts) < 2 or not member.isfile():
            continue
        if parts[1] in KEPT_APART:
            continue
        destination = data_dir.joinpath(*parts[1:])
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle = archive.extractfile(member)
        assert handle is not None
        with open(destination, "wb") as out:
            shutil.copyfileobj(handle, out)
        if parts[1:] == ("secret_key",):
            destination.chmod(0o600)
        count += 1
    return count


def restore_backup(source: Path, *, safety_backup: bool = True) -> BackupInfo:
    """Bring back the database and the data dir from ``source``.

    Stop the server first. Unless ``safety_backup`` is false, the current state is saved
    to ``<data dir>/backups/`` before anything is replaced.
    """
    source = source.resolve()
    manifest = read_manifest(source)
    vendor = _vendor()
    backup_vendor = manifest["database"]["vendor"]
    if backup_vendor != vendor:
        raise BackupError(
            f"{source}: the backup holds a {backup_vendor} database, but DATABASE_URL points "
            f"at {vendor}; restore it into a {backup_vendor} database"
        )
    unknown = sorted(set(manifest.get("migrations", [])) - _known_migrations())
    if unknown:
        raise BackupError(
            f"{source}: made by a newer OpenAUP ({manifest.get('openaup_version')}); its "
            f"database has migrations this version does not know ({', '.join(unknown[:3])}"
            f"{'...' if len(unknown) > 3 else ''}): upgrade OpenAUP first"
        )
    if safety_backup:
        _safety_backup()
    with tarfile.open(source, "r:gz") as archive, tempfile.TemporaryDirectory() as tmp:
        members = _checked_members(archive, source)
        member = manifest["database"]["member"]
        dump = Path(tmp) / Path(member).name
        handle = archive.extractfile(members[member])
        assert handle is not None
        with open(dump, "wb") as out:
            shutil.copyfileobj(handle, out)
        if vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
        files = _restore_data_dir(archive, members)
    missing = tuple(sorted(_known_migrations() - set(manifest.get("migrations", []))))
    return BackupInfo(
        path=source,
        vendor=vendor,
        created_at=str(manifest.get("created_at", "")),
        openaup_version=str(manifest.get("openaup_version", "")),
        data_files=files,
        migrations_missing=missing,
    )
