"""Decision files as the engine writes them, and monitoring's own rows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

import factory

from openaup.monitoring.models import CounselorDesignation

HEADER = "#time\tclient_ip\tuser\tprofile\thost\turl\taction\tcategory\trule\ttag\treason\tlist\n"


def line(
    when: datetime.datetime,
    *,
    ip: str = "10.1.2.3",
    user: str = "-",
    profile: str = "high",
    host: str = "example.org",
    action: str = "allow",
    category: str = "-",
) -> str:
    """One decision line (``when`` aware; written in UTC as the engine does)."""
    stamp = when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    rule, reason, list_name = (
        ("block", "category", f"ut1:{category}") if action == "block" else ("-", "default", "-")
    )
    return (
        f"{stamp}\t{ip}\t{user}\t{profile}\t{host}\t{host}/\t{action}\t{category}\t{rule}\t-\t"
        f"{reason}\t{list_name}\n"
    )


def write_day(
    folder: Path, day: datetime.date, lines: Iterable[str], *, header: bool = True
) -> Path:
    """Append ``lines`` to the day file (with the header when it is new)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{day.isoformat()}.tsv"
    new = not path.exists()
    with open(path, "a", encoding="utf-8") as handle:
        if new and header:
            handle.write(HEADER)
        handle.writelines(lines)
    return path


class CounselorDesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CounselorDesignation

    reason = "Student support"
