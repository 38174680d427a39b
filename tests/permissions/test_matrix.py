"""Every row of the permission matrix, for every demo role; and the meta-test that every URL
pattern has a row."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.permissions
from tests.permissions.matrix import ROLES, TARGETS, Demo, Row, outcome_of


def _row_modules() -> list[Any]:
    return [
        importlib.import_module(f"tests.permissions.{info.name}")
        for info in pkgutil.iter_modules(tests.permissions.__path__)
        if info.name.startswith("rows_")
    ]


def all_rows() -> list[Row]:
    rows: list[Row] = []
    for module in _row_modules():
        rows.extend(module.ROWS)
    return rows


ROWS = all_rows()


def walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str]]:
    """(route, name) for every URL pattern, names with their namespaces."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name or ""


def _url(row: Row, demo: Demo) -> str:
    kwargs = dict(TARGETS[row.target](demo)) if row.target else {}
    if row.suffix:
        kwargs["format"] = row.suffix.lstrip(".")
    url = reverse(row.name, kwargs=kwargs)
    return f"{url}?{row.query}" if row.query else url


def request(row: Row, role: str, demo: Demo) -> Any:
    client = Client()
    if role != "anonymous":
        client.force_login(demo.user(role))
    url = _url(row, demo)
    data = row.data(demo) if callable(row.data) else row.data
    if row.method == "get":
        return client.get(url, data or {})
    if row.extra.get("json"):
        return client.generic(
            row.method.upper(), url, json.dumps(data or {}), content_type="application/json"
        )
    return getattr(client, row.method)(url, data or {})


CASES = [pytest.param(row, role, id=f"{row.id} as {role}") for row in ROWS for role in ROLES]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_matrix(row: Row, role: str, demo: Demo) -> None:
    response = request(row, role, demo)
    got = outcome_of(response)
    assert got == row.expect[role], (
        f"{row.id} as {role}: expected {row.expect[role]}, got {got} "
        f"({response.status_code} {response.get('Location', '')})"
    )


def test_every_url_pattern_has_a_row() -> None:
    covered = {(row.name, bool(row.suffix)) for row in ROWS}
    missing = []
    for route, name in walk(get_resolver().url_patterns):
        if not name:
            missing.append(f"{route} (no name: give the pattern a name)")
            continue
        variant = "(?P<format>" in route or "<drf_format_suffix:format>" in route
        if (name, variant) not in covered:
            missing.append(f"{route} ({name}{', format suffix' if variant else ''})")
    assert not missing, "URL patterns without a row in the permission matrix:\n" + "\n".join(
        missing
    )


def test_rows_name_real_urls_and_targets() -> None:
    names = {name for _, name in walk(get_resolver().url_patterns)}
    assert not [row.id for row in ROWS if row.name not in names]
    assert not [row.id for row in ROWS if row.target and row.target not in TARGETS]
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids)), "two rows with the same id: give one a label"
