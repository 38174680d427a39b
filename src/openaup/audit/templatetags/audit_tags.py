"""Template helpers for audit events: the role in use in words, and changes as rows."""

from __future__ import annotations

import json
from typing import Any

from django import template

from openaup.accounts.choices import Role

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """``school_admin @ School A`` -> ``Principal / school administrator, School A``."""
    if not role:
        return ""
    code, _, scope = role.partition(" @ ")
    label = str(Role(code).label) if code in Role.values else code
    if scope == "district":
        return f"{label}, district"
    return f"{label}, {scope}" if scope else label


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def change_rows(changes: Any) -> list[dict[str, str]]:
    """An event's changes as rows of field, before and after. A ``[before, after]`` pair is
    split; any other value is shown whole as the "after"."""
    if not isinstance(changes, dict):
        return []
    rows = []
    for field, value in sorted(changes.items()):
        if isinstance(value, list) and len(value) == 2:
            rows.append({"field": field, "before": _text(value[0]), "after": _text(value[1])})
        else:
            rows.append({"field": field, "before": "", "after": _text(value)})
    return rows
