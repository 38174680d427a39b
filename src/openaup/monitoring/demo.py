"""Demo decisions: a few school days of generated filter decisions for the demo district's
students, written as the engine writes its decision files and ingested, so that the
principals' reports have something to chart."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

from django.utils import timezone

from openaup.monitoring.services import IngestSummary, ingest_decisions

__all__ = ["load_demo_decisions"]

#: Sites students use all day (allowed).
ALLOWED = [
    "www.google.com", "classroom.google.com", "docs.google.com", "drive.google.com",
    "www.khanacademy.org", "en.wikipedia.org", "www.britannica.com", "quizlet.com",
    "www.desmos.com", "scratch.mit.edu", "code.org", "www.nasa.gov", "www.pbs.org",
    "www.nationalgeographic.com", "www.loc.gov", "www.youtube.com", "translate.google.com",
]  # fmt: skip
#: Blocked sites with their category (the default profiles block these for students).
BLOCKED = [
    ("www.tiktok.com", "social_networks"), ("www.instagram.com", "social_networks"),
    ("www.snapchat.com", "social_networks"), ("www.roblox.com", "games"),
    ("poki.com", "games"), ("www.miniclip.com", "games"), ("www.twitch.tv", "audio-video"),
    ("discord.com", "chat"), ("www.reddit.com", "forums"), ("www.tmz.com", "celebrity"),
    ("fight-videos.example", "agressif"), ("homemade-explosives.example", "dangerous_material"),
]  # fmt: skip
BLOCK_WEIGHTS = [14, 10, 8, 12, 9, 5, 7, 6, 5, 3, 2, 1]


def _line(
    stamp: datetime.datetime, ip: str, user: str, profile: str, host: str, category: str
) -> str:
    utc = stamp.astimezone(datetime.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if category:
        rest = f"block\t{category}\tblock\t-\tcategory\tut1:{category}"
    else:
        rest = "allow\t-\t-\t-\tdefault\t-"
    return f"{text}\t{ip}\t{user}\t{profile}\t{host}\t{host}/\t{rest}\n"


def load_demo_decisions(
    *,
    days: int = 7,
    students: int = 400,
    per_day: int = 30,
    seed: int = 7,
    folder: Path | None = None,
) -> IngestSummary:
    """Write ``days`` school days (weekdays up to today, school hours) of decisions for up
    to ``students`` demo students with user names, from their school's network, into the
    decision-log folder; then ingest them."""
    from openaup.directory.models import Person
    from openaup.filtering.models import ProfileAssignment
    from openaup.filtering.paths import decision_log_dir

    rng = random.Random(seed)
    networks = {
        a.school_id: (a.network, a.profile.name)
        for a in ProfileAssignment.objects.filter(kind="network", school__isnull=False)
        .select_related("profile")
        .order_by("pk")
    }
    people: list[tuple[str, int]] = []
    for school_id in networks:
        people += list(
            Person.objects.filter(kind="student", status="active", school_id=school_id)
            .exclude(username="")
            .order_by("pk")
            .values_list("username", "school_id")[: max(students // len(networks), 1)]
        )
    if not people:
        return IngestSummary()
    target = folder or decision_log_dir()
    target.mkdir(parents=True, exist_ok=True)
    zone = timezone.get_current_timezone()
    now = timezone.localtime()
    day = now.date()
    written = 0
    by_file: dict[Path, list[tuple[datetime.datetime, str]]] = {}
    while written < days:
        if day.weekday() < 5:
            written += 1
            for index, (user, school_id) in enumerate(people):
                network, profile = networks[school_id]
                prefix = network.split("/")[0].rsplit(".", 2)[0]
                ip = f"{prefix}.{1 + index // 250}.{1 + index % 250}"
                for _ in range(rng.randint(per_day // 2, per_day * 3 // 2)):
                    start = datetime.datetime.combine(day, datetime.time(8), zone)
                    stamp = start + datetime.timedelta(seconds=rng.randint(0, 7 * 3600))
                    if stamp > now:
                        continue
                    if rng.random() < 0.12:
                        host, category = rng.choices(BLOCKED, weights=BLOCK_WEIGHTS)[0]
                    else:
                        host, category = rng.choice(ALLOWED), ""
                    path = target / f"{stamp.astimezone(datetime.UTC).date().isoformat()}.tsv"
                    by_file.setdefault(path, []).append(
                        (stamp, _line(stamp, ip, user, profile, host, category))
                    )
        day -= datetime.timedelta(days=1)
    header = "#" + "\t".join(
        ["time", "client_ip", "user", "profile", "host", "url", "action", "category", "rule",
         "tag", "reason", "list"]
    ) + "\n"  # fmt: skip
    for path, entries in by_file.items():
        entries.sort(key=lambda entry: entry[0])
        with open(path, "a", encoding="utf-8") as handle:
            if handle.tell() == 0:
                handle.write(header)
            handle.writelines(text for _, text in entries)
    return ingest_decisions(source=target)
