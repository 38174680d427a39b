"""Matrix rows: filter profiles, rules, categories, schedules, assignments, publishing and
the filter status, pages and API. Staff who read the filter (district administrators,
technology staff, principals, teachers) see them; only administrators and technology staff
change them (403 for the other readers, 404 on objects and 403 on pages for everyone else).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.permissions.matrix import (
    ALLOW,
    FORBIDDEN,
    NOT_FOUND,
    SIGN_IN,
    Demo,
    Row,
    by_role,
    target,
)

MIDDLE = "the demo's middle-school filter profile"
MIDDLE_RULE = "the district deny-list rule of the middle-school profile"
RULE_ID = "the id of the middle-school profile's district deny-list rule"
GAMES = "the games filter category"
GUEST_NET = "the guest Wi-Fi network's profile assignment"
REVISION_1 = "the demo filter's first published revision"


def _rule() -> Any:
    from openaup.filtering.models import ProfileRule

    return ProfileRule.objects.get(profile__name="middle", name="district-deny-list")


@target(MIDDLE)
def _middle(demo: Demo) -> Mapping[str, Any]:
    return {"name": "middle"}


@target(MIDDLE_RULE)
def _middle_rule(demo: Demo) -> Mapping[str, Any]:
    return {"name": "middle", "pk": _rule().pk}


@target(RULE_ID)
def _rule_id(demo: Demo) -> Mapping[str, Any]:
    return {"pk": _rule().pk}


@target(GAMES)
def _games(demo: Demo) -> Mapping[str, Any]:
    return {"name": "games"}


@target(GUEST_NET)
def _guest_net(demo: Demo) -> Mapping[str, Any]:
    from openaup.filtering.demo import GUEST_NETWORK
    from openaup.filtering.models import ProfileAssignment

    return {"pk": ProfileAssignment.objects.get(network=GUEST_NETWORK).pk}


@target(REVISION_1)
def _revision_1(demo: Demo) -> Mapping[str, Any]:
    return {"number": 1}


READERS = dict.fromkeys(
    ["admin", "tech", "principal_es", "principal_ms", "principal_hs", "teacher_es", "teacher_hs"],
    ALLOW,
)
MANAGERS = {"admin": ALLOW, "tech": ALLOW}
ONLY_READ = {"principal_es", "principal_ms", "principal_hs", "teacher_es", "teacher_hs"}
#: A page for readers; 403 for everyone else signed in.
READ = by_role(FORBIDDEN, anonymous=SIGN_IN, **READERS)
#: An object readers see: 404 for the others.
READ_OBJ = by_role(NOT_FOUND, anonymous=SIGN_IN, **READERS)
#: A page or post for managers: 403 for everyone else signed in.
MANAGE = by_role(FORBIDDEN, anonymous=SIGN_IN, **MANAGERS)
#: Changing an object: managers; the other readers 403; the rest 404.
MANAGE_OBJ = by_role(
    NOT_FOUND, anonymous=SIGN_IN, **MANAGERS, **dict.fromkeys(ONLY_READ, FORBIDDEN)
)
API_LIST = by_role(ALLOW, anonymous=FORBIDDEN)
API_READ_OBJ = {**READ_OBJ, "anonymous": FORBIDDEN}
API_MANAGE = {**MANAGE, "anonymous": FORBIDDEN}
API_MANAGE_OBJ = {**MANAGE_OBJ, "anonymous": FORBIDDEN}
JSON = {"json": True}

NEW_PROFILE = {"name": "after-school", "minor": "on", "default_action": "allow", "youtube": "off"}
RULE = {"name": "district-deny-list", "state": "block", "hosts": "deny.example"}
NEW_RULE = {"name": "club", "state": "locked_allow", "hosts": "club.example"}


def _api_rule(demo: Demo) -> Mapping[str, Any]:
    return {"profile": "middle", "name": "club", "state": "allow", "hosts": ["club.example"]}


ROWS = [
    Row("filtering:profile-list", expect=READ),
    Row("filtering:profile-create", expect=MANAGE),
    Row("filtering:profile-create", method="post", data=NEW_PROFILE, expect=MANAGE),
    Row("filtering:profile-detail", target=MIDDLE, expect=READ_OBJ),
    Row("filtering:profile-edit", target=MIDDLE, expect=MANAGE_OBJ),
    Row(
        "filtering:profile-edit",
        method="post",
        target=MIDDLE,
        data={**NEW_PROFILE, "youtube": "strict"},
        expect=MANAGE_OBJ,
    ),
    Row("filtering:profile-delete", target=MIDDLE, expect=MANAGE_OBJ),
    # the middle profile is given to a grade band: deleting it is refused (400)
    Row(
        "filtering:profile-delete",
        method="post",
        target=MIDDLE,
        expect={**MANAGE_OBJ, **dict.fromkeys(MANAGERS, "400")},
    ),
    Row("filtering:rule-create", target=MIDDLE, expect=MANAGE_OBJ),
    Row("filtering:rule-create", method="post", target=MIDDLE, data=NEW_RULE, expect=MANAGE_OBJ),
    Row("filtering:rule-edit", target=MIDDLE_RULE, expect=MANAGE_OBJ),
    Row("filtering:rule-edit", method="post", target=MIDDLE_RULE, data=RULE, expect=MANAGE_OBJ),
    Row("filtering:rule-delete", method="post", target=MIDDLE_RULE, expect=MANAGE_OBJ),
    Row("filtering:category-list", expect=READ),
    Row("filtering:category-edit", target=GAMES, expect=MANAGE_OBJ),
    Row(
        "filtering:category-edit",
        method="post",
        target=GAMES,
        data={"tag": "games", "clause": ""},
        expect=MANAGE_OBJ,
    ),
    Row("filtering:schedule-list", expect=READ),
    Row(
        "filtering:schedule-list",
        method="post",
        data={"name": "lunch", "days": ["mon"], "start": "11:30", "end": "12:15"},
        expect=MANAGE,
    ),
    Row("filtering:assignment-list", expect=READ),
    Row(
        "filtering:assignment-list",
        method="post",
        data={"kind": "network", "profile": "", "network": "10.77.0.0/16"},
        expect={**MANAGE, **dict.fromkeys(MANAGERS, "400")},
        label="no profile chosen",
    ),
    Row("filtering:assignment-delete", method="post", target=GUEST_NET, expect=MANAGE_OBJ),
    Row("filtering:publish", expect=READ),
    Row("filtering:publish", method="post", data={"note": "matrix"}, expect=MANAGE),
    Row("filtering:rollback", method="post", target=REVISION_1, expect=MANAGE_OBJ),
    Row("filtering:filter-status", expect=READ),
    # The API.
    Row("filter-profile-list", expect=API_LIST),
    Row("filter-profile-list", suffix=".json", expect=API_LIST),
    Row(
        "filter-profile-list",
        method="post",
        data={"name": "after-school"},
        extra=JSON,
        expect=API_MANAGE,
        label="create",
    ),
    Row("filter-profile-detail", target=MIDDLE, expect=API_READ_OBJ),
    Row("filter-profile-detail", target=MIDDLE, suffix=".json", expect=API_READ_OBJ),
    Row(
        "filter-profile-detail",
        method="patch",
        target=MIDDLE,
        data={"youtube": "strict"},
        extra=JSON,
        expect=API_MANAGE_OBJ,
    ),
    Row(
        "filter-profile-detail",
        method="delete",
        target=MIDDLE,
        expect={**API_MANAGE_OBJ, **dict.fromkeys(MANAGERS, "400")},
    ),
    Row("filter-rule-list", expect=API_LIST),
    Row("filter-rule-list", suffix=".json", expect=API_LIST),
    Row(
        "filter-rule-list",
        method="post",
        data=_api_rule,
        extra=JSON,
        expect=API_MANAGE,
        label="create",
    ),
    Row("filter-rule-detail", target=RULE_ID, expect=API_READ_OBJ),
    Row("filter-rule-detail", target=RULE_ID, suffix=".json", expect=API_READ_OBJ),
    Row(
        "filter-rule-detail",
        method="patch",
        target=RULE_ID,
        data={"hosts": ["deny.example"]},
        extra=JSON,
        expect=API_MANAGE_OBJ,
    ),
    Row("filter-rule-detail", method="delete", target=RULE_ID, expect=API_MANAGE_OBJ),
    Row("filter-category-list", expect=API_LIST),
    Row("filter-category-list", suffix=".json", expect=API_LIST),
    Row("filter-category-detail", target=GAMES, expect=API_READ_OBJ),
    Row("filter-category-detail", target=GAMES, suffix=".json", expect=API_READ_OBJ),
    Row(
        "filter-category-detail",
        method="patch",
        target=GAMES,
        data={"tag": "games"},
        extra=JSON,
        expect=API_MANAGE_OBJ,
    ),
    Row("filter-revision-list", expect=API_LIST),
    Row("filter-revision-list", suffix=".json", expect=API_LIST),
    Row("filter-revision-detail", target=REVISION_1, expect=API_READ_OBJ),
    Row("filter-revision-detail", target=REVISION_1, suffix=".json", expect=API_READ_OBJ),
    Row(
        "filter-revision-publish",
        method="post",
        data={"note": "matrix"},
        extra=JSON,
        expect=API_MANAGE,
    ),
    Row(
        "filter-revision-publish",
        method="post",
        suffix=".json",
        data={"note": "matrix"},
        extra=JSON,
        expect=API_MANAGE,
    ),
    Row("filter-revision-rollback", method="post", target=REVISION_1, expect=API_MANAGE_OBJ),
    Row(
        "filter-revision-rollback",
        method="post",
        target=REVISION_1,
        suffix=".json",
        expect=API_MANAGE_OBJ,
    ),
]
