"""Reports over the Parquet store, with DuckDB: top blocked sites and categories, their trend,
decisions per school and profile, a student's timeline, who used an address, alert counts,
monthly counts. No Django here: callers pass the schools a user may see (``None``: all).

Every query reads only the day folders of its period, and filters on ``school_id`` (and
``person_id``) first: the files are sorted by school and user, so DuckDB skips the row
groups of other schools by their statistics.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from openaup.monitoring.store import Store

__all__ = [
    "Count",
    "DayCount",
    "Event",
    "IpUse",
    "Period",
    "SchoolProfileCount",
    "alert_blocks",
    "by_school_and_profile",
    "monthly_counts",
    "profiles_seen",
    "timeline",
    "top_blocked_categories",
    "top_blocked_hosts",
    "trend",
    "who_used_ip",
]

UTC = datetime.UTC
#: The most events a timeline lists (a day of one student is usually a few hundred).
TIMELINE_LIMIT = 5000


@dataclass(frozen=True)
class Period:
    """From ``start`` (inclusive) to ``end`` (exclusive), aware datetimes."""

    start: datetime.datetime
    end: datetime.datetime

    def utc_days(self) -> tuple[datetime.date, datetime.date]:
        first = self.start.astimezone(UTC).date()
        last = (self.end.astimezone(UTC) - datetime.timedelta(microseconds=1)).date()
        return first, last

    def naive_utc(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The bounds as the store keeps times: UTC without a zone."""
        return (
            self.start.astimezone(UTC).replace(tzinfo=None),
            self.end.astimezone(UTC).replace(tzinfo=None),
        )


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class DayCount:
    day: datetime.date
    decisions: int
    blocked: int


@dataclass(frozen=True)
class SchoolProfileCount:
    school_id: int | None
    profile: str
    decisions: int
    blocked: int


@dataclass(frozen=True)
class Event:
    """One decision in a student's timeline (``time`` in UTC, aware)."""

    time: datetime.datetime
    host: str
    url: str
    action: str
    category: str
    profile: str
    reason: str
    client_ip: str
    source: str


@dataclass(frozen=True)
class IpUse:
    """Someone seen at an address: the user name (or none), their resolved person and
    school, and the first and last decision around the time asked."""

    user: str
    person_id: int | None
    school_id: int | None
    profile: str
    first_seen: datetime.datetime
    last_seen: datetime.datetime
    decisions: int


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def _source(store: Store, period: Period) -> str | None:
    first, last = period.utc_days()
    files = store.files(first, last)
    if not files:
        return None
    quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return f"read_parquet([{quoted}], union_by_name=true)"


def _where(
    period: Period, schools: Iterable[int] | None, extra: Sequence[str] = ()
) -> tuple[str, list[Any]]:
    start, end = period.naive_utc()
    clauses = ["ts >= ?", "ts < ?"]
    params: list[Any] = [start, end]
    if schools is not None:
        ids = sorted(set(schools))
        if not ids:
            clauses.append("false")
        else:
            clauses.append(f"school_id IN ({', '.join('?' for _ in ids)})")
            params.extend(ids)
    clauses.extend(extra)
    return " AND ".join(clauses), params


def _query(store: Store, period: Period, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    source = _source(store, period)
    if source is None:
        return []
    con = _connect()
    try:
        return con.execute(sql.replace("{source}", source), params).fetchall()
    finally:
        con.close()


def _profile_clause(profile: str, params: list[Any]) -> list[str]:
    if not profile:
        return []
    params.append(profile)
    return ["profile = ?"]


def _top_blocked(
    store: Store,
    period: Period,
    column: str,
    *,
    schools: Iterable[int] | None,
    profile: str,
    limit: int,
) -> list[Count]:
    where, params = _where(period, schools)
    extra = _profile_clause(profile, params)
    where = " AND ".join([where, *extra, "action = 'block'"])
    rows = _query(
        store,
        period,
        f"SELECT {column} AS k, count(*) AS n FROM {{source}} WHERE {where} "
        f"GROUP BY k ORDER BY n DESC, k LIMIT {int(limit)}",
        params,
    )
    return [Count(key=key or "", count=int(n)) for key, n in rows]


def top_blocked_hosts(
    store: Store,
    period: Period,
    *,
    schools: Iterable[int] | None,
    profile: str = "",
    limit: int = 10,
) -> list[Count]:
    """The sites blocked most often in the period, for these schools (and one profile)."""
    return _top_blocked(store, period, "host", schools=schools, profile=profile, limit=limit)


def top_blocked_categories(
    store: Store,
    period: Period,
    *,
    schools: Iterable[int] | None,
    profile: str = "",
    limit: int = 10,
) -> list[Count]:
    """The categories blocked most often (a block with no category is counted as "")."""
    column = "coalesce(category, '')"
    return _top_blocked(store, period, column, schools=schools, profile=profile, limit=limit)


def trend(
    store: Store,
    period: Period,
    *,
    schools: Iterable[int] | None,
    profile: str = "",
    zone: datetime.tzinfo = UTC,
) -> list[DayCount]:
    """Decisions and blocks per day of the period (days in ``zone``), every day listed."""
    where, params = _where(period, schools)
    extra = _profile_clause(profile, params)
    where = " AND ".join([where, *extra])
    rows = _query(
        store,
        period,
        "SELECT date_trunc('hour', ts) AS h, count(*) AS n, "
        f"count(*) FILTER (WHERE action = 'block') AS b FROM {{source}} WHERE {where} "
        "GROUP BY h",
        params,
    )
    per_day: dict[datetime.date, list[int]] = {}
    for hour, n, blocked in rows:
        day = hour.replace(tzinfo=UTC).astimezone(zone).date()
        counts = per_day.setdefault(day, [0, 0])
        counts[0] += int(n)
        counts[1] += int(blocked)
    first = period.start.astimezone(zone).date()
    last = (period.end.astimezone(zone) - datetime.timedelta(microseconds=1)).date()
    out = []
    day = first
    while day <= last:
        n, blocked = per_day.get(day, [0, 0])
        out.append(DayCount(day=day, decisions=n, blocked=blocked))
        day += datetime.timedelta(days=1)
    return out


def by_school_and_profile(
    store: Store, period: Period, *, schools: Iterable[int] | None
) -> list[SchoolProfileCount]:
    where, params = _where(period, schools)
    rows = _query(
        store,
        period,
        "SELECT school_id, coalesce(profile, '') AS p, count(*) AS n, "
        f"count(*) FILTER (WHERE action = 'block') AS b FROM {{source}} WHERE {where} "
        "GROUP BY school_id, p ORDER BY school_id NULLS LAST, p",
        params,
    )
    return [
        SchoolProfileCount(school_id=s, profile=p, decisions=int(n), blocked=int(b))
        for s, p, n, b in rows
    ]


def profiles_seen(store: Store, period: Period, *, schools: Iterable[int] | None) -> list[str]:
    return sorted({row.profile for row in by_school_and_profile(store, period, schools=schools)})


def timeline(
    store: Store,
    period: Period,
    *,
    person_id: int,
    school_id: int | None,
    limit: int = TIMELINE_LIMIT,
) -> list[Event]:
    """One student's decisions in the period, oldest first (at most ``limit``)."""
    extra = ["person_id = ?"]
    where, params = _where(period, None if school_id is None else [school_id], extra)
    params.append(person_id)
    rows = _query(
        store,
        period,
        "SELECT ts, coalesce(host, ''), coalesce(url, ''), action, coalesce(category, ''), "
        "coalesce(profile, ''), coalesce(reason, ''), coalesce(client_ip, ''), source "
        f"FROM {{source}} WHERE {where} ORDER BY ts LIMIT {int(limit)}",
        params,
    )
    return [
        Event(
            time=ts.replace(tzinfo=UTC),
            host=host,
            url=url,
            action=action,
            category=category,
            profile=profile,
            reason=reason,
            client_ip=ip,
            source=source,
        )
        for ts, host, url, action, category, profile, reason, ip, source in rows
    ]


def who_used_ip(store: Store, *, ip: str, at: datetime.datetime, minutes: int = 15) -> list[IpUse]:
    """Who made requests from ``ip`` within ``minutes`` of ``at``: one row per user name
    (an unnamed client is one row with an empty name), nearest to ``at`` first."""
    window = datetime.timedelta(minutes=minutes)
    period = Period(start=at - window, end=at + window)
    where, params = _where(period, None, ["client_ip = ?"])
    params.append(ip)
    target = at.astimezone(UTC).replace(tzinfo=None)
    rows = _query(
        store,
        period,
        "SELECT coalesce(\"user\", '') AS u, any_value(person_id), any_value(school_id), "
        "string_agg(DISTINCT coalesce(profile, ''), ', '), min(ts), max(ts), count(*), "
        "min(abs(epoch_ms(ts) - epoch_ms(?::TIMESTAMP))) AS nearest "
        f"FROM {{source}} WHERE {where} GROUP BY u ORDER BY nearest, u",
        [target, *params],
    )
    return [
        IpUse(
            user=user,
            person_id=person,
            school_id=school,
            profile=profiles or "",
            first_seen=first.replace(tzinfo=UTC),
            last_seen=last.replace(tzinfo=UTC),
            decisions=int(n),
        )
        for user, person, school, profiles, first, last, n, _ in rows
    ]


def alert_blocks(
    store: Store, period: Period, *, categories: Sequence[str]
) -> dict[int, list[tuple[str, str, int, int | None]]]:
    """Blocks of ``categories`` per school: (category, host, count, person id) rows, most
    frequent first; decisions of no school are left out."""
    if not categories:
        return {}
    marks = ", ".join("?" for _ in categories)
    where, params = _where(period, None, [f"category IN ({marks})", "action = 'block'"])
    params.extend(categories)
    rows = _query(
        store,
        period,
        "SELECT school_id, category, host, person_id, count(*) AS n FROM {source} "
        f"WHERE {where} AND school_id IS NOT NULL "
        "GROUP BY school_id, category, host, person_id ORDER BY school_id, n DESC, host",
        params,
    )
    out: dict[int, list[tuple[str, str, int, int | None]]] = {}
    for school, category, host, person, n in rows:
        out.setdefault(int(school), []).append((category, host or "", int(n), person))
    return out


def monthly_counts(
    store: Store, month: datetime.date, zone: datetime.tzinfo = UTC
) -> list[tuple[int | None, str, str, str, int]]:
    """Decisions of the month (its days in ``zone``: the district's local month) per school,
    profile, category and action."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    period = Period(
        start=datetime.datetime.combine(first, datetime.time(), zone),
        end=datetime.datetime.combine(following, datetime.time(), zone),
    )
    where, params = _where(period, None)
    rows = _query(
        store,
        period,
        "SELECT school_id, coalesce(profile, ''), coalesce(category, ''), action, count(*) "
        f"FROM {{source}} WHERE {where} GROUP BY ALL",
        params,
    )
    return [(s, p, c, a, int(n)) for s, p, c, a, n in rows]
