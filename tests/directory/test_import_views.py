"""Roster imports on the web: technology staff upload a zip, see the preview, apply it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from openaup.audit.models import AuditEvent
from openaup.directory.models import ImportRun, Person
from tests.directory.roster_packages import V12, copy_package, edit, zip_folder
from tests.html_tables import table, text

pytestmark = pytest.mark.django_db

IMPORTS = reverse("directory:import-list")


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return Path(settings.DATA_DIR)


def zipped(folder: Path, tmp_path: Path, name: str = "roster.zip") -> SimpleUploadedFile:
    archive = zip_folder(folder, tmp_path / name)
    return SimpleUploadedFile(name, archive.read_bytes(), content_type="application/zip")


def upload(client: Client, package: SimpleUploadedFile) -> Any:
    return client.post(IMPORTS, {"package": package})


def detail(run: ImportRun) -> str:
    return reverse("directory:import-detail", args=[run.pk])


def uploaded_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "imports").glob("*")) if (data_dir / "imports").exists() else []


def test_tech_staff_previews_then_applies(
    client: Client, tech_staff: Any, data_dir: Path, tmp_path: Path
) -> None:
    client.force_login(tech_staff)
    people_before = Person.objects.count()

    response = upload(client, zipped(V12, tmp_path, "birch-creek.zip"))

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(run)
    assert (run.status, run.source_name, run.actor) == ("previewed", "birch-creek.zip", tech_staff)
    assert len(uploaded_files(data_dir)) == 1
    assert Person.objects.count() == people_before  # a preview changes nothing

    page = client.get(detail(run))
    assert page.status_code == 200
    counts = table(page.content, "Counts by kind of record")
    assert ["People", "13", "0", "0", "7"] in counts  # the personas' people are not in it
    assert "Preview: nothing has changed yet" in text(page.content)
    assert "Nguyen, Ava (u-stu-es-1)" in text(page.content)

    applied = client.post(reverse("directory:import-apply", args=[run.pk]))

    assert applied.status_code == 302
    run.refresh_from_db()
    assert run.status == "applied"
    assert Person.objects.filter(sourced_id="u-stu-es-1").exists()
    assert AuditEvent.objects.get(action="roster.imported").actor == tech_staff
    assert uploaded_files(data_dir) == []  # the package is not kept once applied
    page = client.get(detail(run))
    assert "The roster was imported." in text(page.content)
    assert "Apply the import" not in text(page.content)
    # applying twice does nothing more
    client.post(reverse("directory:import-apply", args=[run.pk]))
    assert AuditEvent.objects.filter(action="roster.imported").count() == 1


def test_a_bad_package_shows_its_problems_and_changes_nothing(
    client: Client, tech_staff: Any, data_dir: Path, tmp_path: Path
) -> None:
    client.force_login(tech_staff)
    package = copy_package(tmp_path)
    edit(package, "users.csv", "u-par-1,03,", "u-par-1,K,")
    people_before = Person.objects.count()

    upload(client, zipped(package, tmp_path))

    run = ImportRun.objects.get()
    assert run.status == "failed"
    page = client.get(detail(run))
    assert "The roster cannot be imported" in text(page.content)
    assert "users.csv, row 7, column grades: unknown grade code 'K'" in text(page.content)
    assert "Apply the import" not in text(page.content)
    assert Person.objects.count() == people_before
    assert uploaded_files(data_dir) == []


def test_discarding_an_upload(
    client: Client, district_admin: Any, data_dir: Path, tmp_path: Path
) -> None:
    client.force_login(district_admin)
    upload(client, zipped(V12, tmp_path))
    run = ImportRun.objects.get()

    response = client.post(reverse("directory:import-discard", args=[run.pk]))

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "discarded"
    assert uploaded_files(data_dir) == []
    assert not Person.objects.filter(sourced_id="u-stu-es-1").exists()
    response = client.post(reverse("directory:import-apply", args=[run.pk]))
    assert not Person.objects.filter(sourced_id="u-stu-es-1").exists()


def test_list_shows_past_imports(
    client: Client, tech_staff: Any, data_dir: Path, tmp_path: Path
) -> None:
    client.force_login(tech_staff)
    upload(client, zipped(V12, tmp_path, "august.zip"))

    page = client.get(IMPORTS)

    assert page.status_code == 200
    rows = table(page.content, "Past imports")
    assert rows[0][0] == "august.zip"
    assert rows[0][-1] == "Previewed"


def test_upload_that_is_not_a_zip(client: Client, tech_staff: Any, data_dir: Path) -> None:
    client.force_login(tech_staff)

    response = upload(client, SimpleUploadedFile("roster.zip", b"sourcedId,name\n"))

    assert response.status_code == 400
    assert "This is not a zip file." in text(response.content)
    assert not ImportRun.objects.exists()


def test_upload_larger_than_allowed(
    client: Client, tech_staff: Any, data_dir: Path, tmp_path: Path, settings: Any
) -> None:
    settings.OPENAUP_UPLOAD_MAX_BYTES = 1000
    client.force_login(tech_staff)

    response = upload(client, zipped(V12, tmp_path))

    assert response.status_code == 400
    assert "uploads may be at most" in text(response.content)
    assert not ImportRun.objects.exists()
    assert uploaded_files(data_dir) == []


@pytest.mark.parametrize("persona", ["principal_a", "teacher", "records_officer", "guardian"])
def test_others_are_refused(
    client: Client, persona: str, request: pytest.FixtureRequest, tmp_path: Path, data_dir: Path
) -> None:
    user = request.getfixturevalue(persona)
    run = ImportRun.objects.create(source_name="x.zip", status="previewed", upload="imports/x")
    client.force_login(user)

    assert client.get(IMPORTS).status_code == 403
    assert upload(client, zipped(V12, tmp_path)).status_code == 403
    assert client.get(detail(run)).status_code == 403
    assert client.post(reverse("directory:import-apply", args=[run.pk])).status_code == 403
    assert client.post(reverse("directory:import-discard", args=[run.pk])).status_code == 403
    run.refresh_from_db()
    assert run.status == "previewed"
    assert ImportRun.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client: Client, world: Any, tmp_path: Path) -> None:
    for response in (
        client.get(IMPORTS),
        upload(client, zipped(V12, tmp_path)),
        client.post(reverse("directory:import-apply", args=[1])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert not ImportRun.objects.exists()


def test_apply_is_post_only(client: Client, tech_staff: Any) -> None:
    client.force_login(tech_staff)
    assert client.get(reverse("directory:import-apply", args=[1])).status_code == 405
