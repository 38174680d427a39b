"""Matrix rows: the filter's list sources and local lists. Staff who read the filter
(district administrators, technology staff, principals, teachers) see them; district
administrators and technology staff change them (403 for the other readers, 404 for
everyone else on a source or list, 403 on the pages without one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.permissions.matrix import (
    ALLOW,
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    SIGN_IN,
    Demo,
    Row,
    by_role,
    target,
)

SOURCE = "a list source of the filter"
LOCAL_LIST = "a local list of the filter"

_READERS = {
    "admin": ALLOW,
    "tech": ALLOW,
    "principal_es": ALLOW,
    "principal_ms": ALLOW,
    "principal_hs": ALLOW,
    "teacher_es": ALLOW,
    "teacher_hs": ALLOW,
}
_OTHER_READERS_FORBIDDEN = {k: FORBIDDEN for k in _READERS if k not in ("admin", "tech")}

#: A page for readers; 403 for everyone else signed in.
READ_PAGE = by_role(FORBIDDEN, anonymous=SIGN_IN, **_READERS)
#: A source or list page: readers see it, anyone else finds nothing.
READ_OBJECT = by_role(NOT_FOUND, anonymous=SIGN_IN, **_READERS)
#: A page without an object that changes the lists.
MANAGE_PAGE = by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW)
#: Changing a source or list: readers may see it but not change it.
MANAGE_OBJECT = by_role(
    NOT_FOUND, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW, **_OTHER_READERS_FORBIDDEN
)
API_LIST = by_role(ALLOW, anonymous=FORBIDDEN)
API_READ = by_role(NOT_FOUND, anonymous=FORBIDDEN, **_READERS)
API_CREATE = by_role(FORBIDDEN, admin=ALLOW, tech=ALLOW)
API_CHANGE = by_role(
    NOT_FOUND, anonymous=FORBIDDEN, admin=ALLOW, tech=ALLOW, **_OTHER_READERS_FORBIDDEN
)


def _source() -> Any:
    from openaup.filtering.models import ListSource
    from openaup.filtering.services.lists import create_source

    source = ListSource.objects.filter(name="matrix-ut1").first()
    if source is None:
        source = create_source(
            actor=None,
            name="matrix-ut1",
            kind="ut1",
            url="https://lists.example/blacklists.tar.gz",
        )
    return source


def _local() -> Any:
    from openaup.filtering.models import LocalList
    from openaup.filtering.services.lists import save_local_list

    row = LocalList.objects.filter(category="matrix_deny").first()
    if row is None:
        row = save_local_list(actor=None, category="matrix_deny", entries="deny.example")
    return row


@target(SOURCE)
def _source_target(demo: Demo) -> Mapping[str, Any]:
    return {"name": _source().name}


@target(LOCAL_LIST)
def _local_target(demo: Demo) -> Mapping[str, Any]:
    return {"category": _local().category}


_NEW_SOURCE = {
    "name": "matrix-new",
    "kind": "plain",
    "url": "https://lists.example/social.txt",
    "category": "social_networks",
    "enabled": "on",
    "update_hours": "24",
}
_CHANGED_SOURCE = {
    "kind": "ut1",
    "url": "https://lists.example/other.tar.gz",
    "enabled": "on",
    "update_hours": "12",
}
_LOCAL = {"category": "matrix_new", "entries": "one.example\ntwo.example"}

ROWS = [
    Row("filtering:list-source-list", expect=READ_PAGE),
    Row("filtering:list-source-create", expect=MANAGE_PAGE),
    Row("filtering:list-source-create", method="post", data=_NEW_SOURCE, expect=MANAGE_PAGE),
    Row("filtering:list-source-detail", target=SOURCE, expect=READ_OBJECT),
    Row("filtering:list-source-edit", target=SOURCE, expect=MANAGE_OBJECT),
    Row(
        "filtering:list-source-edit",
        method="post",
        target=SOURCE,
        data=_CHANGED_SOURCE,
        expect=MANAGE_OBJECT,
    ),
    Row("filtering:list-source-update", method="post", target=SOURCE, expect=MANAGE_OBJECT),
    Row("filtering:list-source-enable", method="post", target=SOURCE, expect=MANAGE_OBJECT),
    Row("filtering:local-list-create", expect=MANAGE_PAGE),
    Row("filtering:local-list-create", method="post", data=_LOCAL, expect=MANAGE_PAGE),
    Row("filtering:local-list-edit", target=LOCAL_LIST, expect=READ_OBJECT),
    Row(
        "filtering:local-list-edit",
        method="post",
        target=LOCAL_LIST,
        data={"category": "matrix_deny", "entries": "other.example"},
        expect=MANAGE_OBJECT,
    ),
    Row("filter-list-source-list", expect=API_LIST),
    Row("filter-list-source-list", suffix=".json", expect=API_LIST),
    Row(
        "filter-list-source-list",
        method="post",
        data={
            "name": "matrix-api",
            "kind": "ut1",
            "url": "https://lists.example/blacklists.tar.gz",
        },
        extra={"json": True},
        label="create",
        expect=API_CREATE,
    ),
    Row(
        "filter-list-source-list",
        method="post",
        data={"name": "matrix-api", "kind": "zip"},
        extra={"json": True},
        label="bad kind",
        expect=by_role(BAD_REQUEST, anonymous=FORBIDDEN),
    ),
    Row("filter-list-source-detail", target=SOURCE, expect=API_READ),
    Row("filter-list-source-detail", target=SOURCE, suffix=".json", expect=API_READ),
    Row(
        "filter-list-source-detail",
        method="patch",
        target=SOURCE,
        data={"update_hours": 6},
        extra={"json": True},
        expect=API_CHANGE,
    ),
    Row(
        "filter-list-source-request-update",
        method="post",
        target=SOURCE,
        data={},
        extra={"json": True},
        expect=API_CHANGE,
    ),
    Row(
        "filter-list-source-request-update",
        method="post",
        target=SOURCE,
        suffix=".json",
        data={},
        extra={"json": True},
        expect=API_CHANGE,
    ),
    Row("filter-local-list-list", expect=API_LIST),
    Row("filter-local-list-list", suffix=".json", expect=API_LIST),
    Row(
        "filter-local-list-list",
        method="post",
        data={"category": "matrix_api", "entries": "x.example"},
        extra={"json": True},
        label="create",
        expect=API_CREATE,
    ),
    Row("filter-local-list-detail", target=LOCAL_LIST, expect=API_READ),
    Row("filter-local-list-detail", target=LOCAL_LIST, suffix=".json", expect=API_READ),
    Row(
        "filter-local-list-detail",
        method="patch",
        target=LOCAL_LIST,
        data={"entries": "y.example"},
        extra={"json": True},
        expect=API_CHANGE,
    ),
]
