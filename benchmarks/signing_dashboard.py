"""Signing figures: the benchmark district of 50,000 students with 60% signed.

For each of two sizes (the full district and a tenth of it), in a fresh database in a
temporary data dir (SQLite unless ``--database-url`` names an empty PostgreSQL database):

1. generate the district with the roster benchmark's generator and import it with
   ``aup roster import`` (as ``benchmarks/roster_import.py`` does; not timed here);
2. write a published policy version through the document services;
3. **time** creating a campaign for the whole district and opening it through the campaign
   services: every student and staff member becomes a member, and the invitations job is
   queued (target: 30 s or less);
4. set up 60% signed (the student and one guardian with educational rights), 10% partly
   signed (the student only) and 60% of staff confirmed, spread over 30 days. These rows are
   written **in bulk** (``bulk_create`` of signatures, ``bulk_update`` of members), not
   through the signing services: this is set-up, not what is measured. On PostgreSQL the
   tables are then analyzed, as autovacuum would after such writes;
5. **time** the district dashboard (as a district administrator) and the dashboard of the
   largest school (as its principal), in-process with Django's test client: the median of
   five requests after one warm-up, the whole request (middleware, queries, template), and
   count their database queries (target: 300 ms or less, the same number of queries at both
   sizes).

``--send`` also runs the invitations job (a personal link per guardian, one email each, to
Django's in-memory mail backend) and reports its time; there is no target for it.

    .venv/bin/python benchmarks/signing_dashboard.py                  # about 3 minutes
    .venv/bin/python benchmarks/signing_dashboard.py --students 5000  # a quick look
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
AUP = Path(sys.executable).with_name("aup")
DASHBOARD_TARGET_MS = 300.0
CAMPAIGN_TARGET_S = 30.0
SIGNED_SHARE = 0.6
PARTLY_SHARE = 0.1


def _import_district(students: int, seed: int, work: Path, env: dict[str, str]) -> None:
    from openaup.directory.demo.generator import generate
    from openaup.directory.oneroster.writer import write_dataset

    district = generate(students, seed=seed)
    package = write_dataset(district.dataset, work / "package", version="1.2")
    del district
    for argv in ([str(AUP), "migrate", "--noinput"], [str(AUP), "roster", "import", str(package)]):
        subprocess.run(argv, env=env, check=True, capture_output=True)


def _timed_get(client: Any, url: str) -> tuple[float, int]:
    """Median milliseconds of five requests after a warm-up, and the queries of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"GET {url}: {response.status_code}")
    times = []
    for _ in range(5):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """One size, in this process: set up, then time and count."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openaup.settings")
    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from openaup.accounts.models import RoleAssignment, User
    from openaup.core.context import acting_as
    from openaup.directory.models import GuardianLink, Person, School
    from openaup.policies.models import CampaignMember, Signature
    from openaup.policies.services import campaigns, documents
    from openaup.policies.services import reminders as reminder_services

    admin = User.objects.create_user(username="bench-admin", password="x")
    RoleAssignment.objects.create(user=admin, role="district_admin")
    with acting_as(admin, channel="cli"):
        policy = documents.create_policy(
            actor=admin, title="Acceptable Use Policy for Technology", slug="aup"
        )
        version = documents.create_version(
            actor=admin, policy=policy, label="2026-27", audience="all"
        )
        documents.save_text(
            actor=admin,
            version=version,
            language="en",
            title="Acceptable Use Policy for Technology",
            body="# Acceptable Use Policy\n\n## Guiding Principles\n\nFor learning.\n",
        )
        version = documents.publish_version(actor=admin, version=version)

        today = timezone.localdate()
        started = time.perf_counter()
        campaign = campaigns.create_campaign(
            actor=admin,
            name="2026-27 AUP",
            school_year=2027,
            opens_on=today - datetime.timedelta(days=30),
            due_on=today + datetime.timedelta(days=14),
            versions=[version],
        )
        campaign = campaigns.open_campaign(actor=admin, campaign=campaign)
        campaign_seconds = time.perf_counter() - started
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path__endswith="send_invitations").count()
    members = CampaignMember.objects.filter(campaign=campaign).count()

    rng = random.Random(args.seed)
    now = timezone.now()
    rights = dict(
        GuardianLink.objects.filter(is_active=True, has_educational_rights=True)
        .order_by("student_id", "pk")
        .values_list("student_id", "guardian_id")
    )
    signatures = []
    changed = []
    for member in CampaignMember.objects.filter(campaign=campaign).order_by("pk"):
        draw = rng.random()
        if draw >= SIGNED_SHARE + (PARTLY_SHARE if member.kind == "student" else 0):
            continue
        at = now - datetime.timedelta(days=rng.randrange(30), minutes=rng.randrange(600))
        role = "student" if member.kind == "student" else "staff"
        signatures.append(
            Signature(
                campaign=campaign,
                member=member,
                signer_id=member.person_id,
                on_behalf_of_id=member.person_id,
                signer_role=role,
                version=version,
                language="en",
                text_sha256=version.sha256,
                method="signed_in",
                signed_at=at,
            )
        )
        member.person_signed_at = at
        guardian = rights.get(member.person_id)
        if draw < SIGNED_SHARE and member.needs_guardian and guardian:
            signatures.append(
                Signature(
                    campaign=campaign,
                    member=member,
                    signer_id=guardian,
                    on_behalf_of_id=member.person_id,
                    signer_role="guardian",
                    version=version,
                    language="en",
                    text_sha256=version.sha256,
                    method="link",
                    went_over_with_child=True,
                    signed_at=at,
                )
            )
            member.guardians_signed_at = at
        complete = member.guardians_signed_at is not None or not member.needs_guardian
        member.status = "signed" if complete else "partly_signed"
        member.completed_at = at if complete else None
        changed.append(member)
    Signature.objects.bulk_create(signatures, batch_size=2000)
    CampaignMember.objects.bulk_update(
        changed,
        ["status", "person_signed_at", "guardians_signed_at", "completed_at"],
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        # What autovacuum does after bulk writes: fresh statistics for the planner.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    statuses = dict(
        CampaignMember.objects.filter(campaign=campaign, kind="student")
        .values_list("status")
        .annotate(n=Count("pk"))
    )

    school = (
        School.objects.filter(pk__in=Person.objects.filter(kind="student").values("school_id"))
        .annotate(students=Count("people"))
        .order_by("-students", "pk")
        .first()
    )
    assert school is not None
    principal_person = (
        school.principal
        or Person.objects.filter(kind="staff", school=school).order_by("pk").first()
    )
    if school.principal is None:
        school.principal = principal_person
        school.save(update_fields=["principal"])
    principal = User.objects.create_user(
        username="bench-principal",
        password="x",
        person=principal_person,
    )
    url = reverse("policies:campaign-dashboard", args=[campaign.pk])
    district_client = Client()
    district_client.force_login(admin)
    district_ms, district_queries = _timed_get(district_client, url)
    school_client = Client()
    school_client.force_login(principal)
    school_ms, school_queries = _timed_get(school_client, url)

    send: dict[str, Any] | None = None
    if args.send:
        started = time.perf_counter()
        result = reminder_services.send_invitations(campaign=campaign)
        send = {
            "seconds": round(time.perf_counter() - started, 1),
            "sent": result.sent,
            "skipped": result.skipped,
            "failed": result.failed,
        }
    return {
        "students": Person.objects.filter(kind="student").count(),
        "members": members,
        "student_statuses": statuses,
        "signatures": len(signatures),
        "campaign_seconds": round(campaign_seconds, 2),
        "invitation_jobs_queued": queued,
        "school": {
            "name": school.name,
            "students": Person.objects.filter(kind="student", school=school).count(),
        },
        "district_dashboard_ms": round(district_ms, 1),
        "district_dashboard_queries": district_queries,
        "school_dashboard_ms": round(school_ms, 1),
        "school_dashboard_queries": school_queries,
        "send_invitations": send,
    }


def run_size(students: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Import a district of ``students`` into a fresh database, then measure in a child
    process of its own (Django is set up once per process)."""
    data = work / f"data-{students}"
    env = {
        **os.environ,
        "OPENAUP_DATA_DIR": str(data),
        "DATABASE_URL": args.database_url or f"sqlite:///{data / 'openaup.sqlite3'}",
        "OPENAUP_LOG_LEVEL": "WARNING",
        "OPENAUP_REQUIRE_2FA": "false",
        "OPENAUP_ALLOWED_HOSTS": "testserver,localhost",
    }
    if args.database_url:
        _reset_postgres(args.database_url)
    started = time.perf_counter()
    _import_district(students, args.seed, work, env)
    print(f"{students:,} students generated and imported in {time.perf_counter() - started:.0f} s")
    out = work / f"result-{students}.json"
    argv = [sys.executable, __file__, "--measure", str(out), "--seed", str(args.seed)]
    if args.send:
        argv.append("--send")
    subprocess.run(argv, env=env, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _reset_postgres(url: str) -> None:
    """Empty the PostgreSQL database named by ``url`` (its public schema)."""
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")


def main() -> None:
    from openaup.directory.demo.generator import DEFAULT_SEED, SCALE_STUDENTS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=SCALE_STUDENTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--database-url",
        default="",
        help="An empty PostgreSQL database to use (emptied for each size) instead of SQLite.",
    )
    parser.add_argument("--send", action="store_true", help="Also run the invitations job.")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        args.measure.write_text(json.dumps(measure(args)))
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from roster_import import machine

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    work = Path(tempfile.mkdtemp(prefix="openaup-signing-bench-"))
    try:
        sizes = [max(args.students // 10, 100), args.students]
        results = [run_size(size, args, work) for size in sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(
        f"{'students':>9} {'campaign s':>10} {'district ms':>11} {'queries':>7} "
        f"{'school ms':>9} {'queries':>7}"
    )
    for result in results:
        print(
            f"{result['students']:>9,} {result['campaign_seconds']:>10.1f} "
            f"{result['district_dashboard_ms']:>11.1f} {result['district_dashboard_queries']:>7} "
            f"{result['school_dashboard_ms']:>9.1f} {result['school_dashboard_queries']:>7}"
        )
    full = results[-1]
    checks = {
        "campaign and its first reminders queued <= 30 s": full["campaign_seconds"]
        <= CAMPAIGN_TARGET_S,
        "district dashboard <= 300 ms": full["district_dashboard_ms"] <= DASHBOARD_TARGET_MS,
        "school dashboard <= 300 ms": full["school_dashboard_ms"] <= DASHBOARD_TARGET_MS,
        "same queries at both sizes": all(
            results[0][key] == full[key]
            for key in ("district_dashboard_queries", "school_dashboard_queries")
        ),
    }
    for name, ok in checks.items():
        print(f"{'ok    ' if ok else 'MISSED'} {name}")
    report = {
        "benchmark": "signing_dashboard",
        "when": stamp,
        "command": " ".join([".venv/bin/python", "benchmarks/signing_dashboard.py", *sys.argv[1:]]),
        "database": "postgresql" if args.database_url else "sqlite",
        "machine": machine(),
        "results": results,
        "checks": checks,
    }
    out = OUT / f"signing_dashboard-{stamp}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Figures written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
