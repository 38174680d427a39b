"""Small OneRoster packages for tests: the fixture district, copied and edited in tmp_path."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

DATA = Path(__file__).parent / "data"
V11 = DATA / "oneroster_1_1"
V12 = DATA / "oneroster_1_2"


def copy_package(tmp_path: Path, version: str = "1_2") -> Path:
    """A copy of the fixture district (``1_1`` or ``1_2``) to edit."""
    target = tmp_path / f"package_{version}"
    shutil.copytree(DATA / f"oneroster_{version}", target)
    return target


def edit(package: Path, name: str, old: str, new: str) -> None:
    """Replace the first ``old`` in a file of the package (which must contain it)."""
    path = package / name
    text = path.read_text(encoding="utf-8-sig")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def drop_rows(package: Path, name: str, prefix: str) -> None:
    """Remove the rows of a file that start with ``prefix`` (there must be some)."""
    path = package / name
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(prefix)]
    assert len(kept) < len(lines), f"no row of {name} starts with {prefix!r}"
    path.write_text("".join(kept), encoding="utf-8")


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    """Zip a package folder, its files under ``prefix`` inside the zip."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{prefix}{path.name}")
    return target


def delta_package(tmp_path: Path, files: dict[str, str], version: str = "1.2") -> Path:
    """A delta package of the given files (header and rows), everything else absent."""
    package = tmp_path / "delta"
    package.mkdir()
    manifest = ["propertyName,value", f"oneroster.version,{version}"]
    for name, text in files.items():
        manifest.append(f"file.{name},delta")
        (package / f"{name}.csv").write_text(text)
    (package / "manifest.csv").write_text("\n".join(manifest) + "\n")
    return package
