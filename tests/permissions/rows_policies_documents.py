"""Matrix rows: policy documents. Published versions, the policy list and the diff are public;
drafts exist only for district administrators and technology staff (404 for everyone else);
writing pages are for them too (403 for those who see the policy or version but may not
change it)."""

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

DEMO_POLICY = "the demo Acceptable Use Policy"
PUBLISHED_VERSION = "the demo policy's published 2026-27 all-users version"
DRAFT_VERSION = "a draft 2027-28 version of the demo policy"
DRAFT_TEXT = "the English text of a draft 2027-28 version"
PUBLISHED_VERSION_ID = "the id of the demo policy's published 2026-27 all-users version"
DRAFT_VERSION_ID = "the id of a draft 2027-28 version of the demo policy"


def _policy() -> Any:
    from openaup.policies.demo import DEMO_POLICY_SLUG, load_demo_policies
    from openaup.policies.models import Policy

    if not Policy.objects.filter(slug=DEMO_POLICY_SLUG).exists():
        load_demo_policies()
    return Policy.objects.get(slug=DEMO_POLICY_SLUG)


def _draft() -> Any:
    from openaup.policies.models import PolicyVersion
    from openaup.policies.services import documents

    policy = _policy()
    draft = PolicyVersion.objects.filter(policy=policy, label="2027-28").first()
    if draft is None:
        draft = documents.create_version(actor=None, policy=policy, label="2027-28", audience="all")
        documents.save_text(
            actor=None, version=draft, language="en", title="AUP", body="# AUP\n\nDraft."
        )
    return draft


@target(DEMO_POLICY)
def _demo_policy(demo: Demo) -> Mapping[str, Any]:
    return {"slug": _policy().slug}


@target(PUBLISHED_VERSION)
def _published_version(demo: Demo) -> Mapping[str, Any]:
    from openaup.policies.models import PolicyVersion

    version = PolicyVersion.objects.get(
        policy=_policy(), label="2026-27", audience="all", status="published"
    )
    return {"slug": version.policy.slug, "pk": version.pk}


@target(DRAFT_VERSION)
def _draft_version(demo: Demo) -> Mapping[str, Any]:
    draft = _draft()
    return {"slug": draft.policy.slug, "pk": draft.pk}


@target(DRAFT_TEXT)
def _draft_text(demo: Demo) -> Mapping[str, Any]:
    return {**_draft_version(demo), "language": "en"}


@target(PUBLISHED_VERSION_ID)
def _published_version_id(demo: Demo) -> Mapping[str, Any]:
    return {"pk": _published_version(demo)["pk"]}


@target(DRAFT_VERSION_ID)
def _draft_version_id(demo: Demo) -> Mapping[str, Any]:
    return {"pk": _draft().pk}


PUBLIC = by_role(ALLOW)
API_SIGNED_IN = by_role(ALLOW, anonymous=FORBIDDEN)
#: Writers only; others may see what the page is about but not change it.
WRITERS = by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW)
#: Writers only; the object (a draft) does not exist for anyone else.
WRITERS_DRAFT = by_role(NOT_FOUND, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW)
DRAFT_PAGE = by_role(NOT_FOUND, admin=ALLOW, tech=ALLOW)
DRAFT_API = by_role(NOT_FOUND, anonymous=FORBIDDEN, admin=ALLOW, tech=ALLOW)

NEW_POLICY = {"title": "Device Loan Policy", "slug": "device-loans"}
NEW_VERSION = {"label": "2027-28", "audience": "staff"}
TEXT = {"language": "vi", "title": "Chính sách", "body": "# Chính sách\n\nNội dung."}

ROWS = [
    Row("policies:policy-list", expect=PUBLIC),
    Row("policies:policy-detail", target=DEMO_POLICY, expect=PUBLIC),
    Row("policies:policy-diff", target=DEMO_POLICY, expect=PUBLIC),
    Row("policies:version-detail", target=PUBLISHED_VERSION, expect=PUBLIC),
    Row("policies:version-detail", target=DRAFT_VERSION, expect=DRAFT_PAGE),
    Row("policies:policy-create", expect=WRITERS),
    Row("policies:policy-create", method="post", data=NEW_POLICY, expect=WRITERS),
    Row("policies:policy-review-date", target=DEMO_POLICY, method="post",
        data={"review_due_on": "2027-06-01"}, expect=WRITERS),
    Row("policies:version-create", target=DEMO_POLICY, expect=WRITERS),
    Row("policies:version-create", target=DEMO_POLICY, method="post", data=NEW_VERSION,
        expect=WRITERS),
    Row("policies:text-add", target=DRAFT_VERSION, expect=WRITERS_DRAFT),
    Row("policies:text-add", target=DRAFT_VERSION, method="post", data=TEXT,
        expect=WRITERS_DRAFT),
    # A published version: its page exists for everyone, so writing is a 403 (writers are
    # sent back to the version: it is frozen).
    Row("policies:text-add", target=PUBLISHED_VERSION, expect=WRITERS),
    Row("policies:text-edit", target=DRAFT_TEXT, expect=WRITERS_DRAFT),
    Row("policies:text-edit", target=DRAFT_TEXT, method="post",
        data={"title": "AUP", "body": "# AUP\n\nChanged."}, expect=WRITERS_DRAFT),
    Row("policies:version-publish", target=DRAFT_VERSION, expect=WRITERS_DRAFT),
    Row("policies:version-publish", target=DRAFT_VERSION, method="post", expect=WRITERS_DRAFT),
    Row("policies:version-publish", target=PUBLISHED_VERSION, expect=WRITERS),
    Row("policies:version-retire", target=PUBLISHED_VERSION, method="post", expect=WRITERS),
    Row("policies:version-retire", target=DRAFT_VERSION, method="post", expect=WRITERS_DRAFT),
    Row("policy-version-list", expect=API_SIGNED_IN),
    Row("policy-version-list", suffix=".json", expect=API_SIGNED_IN),
    Row("policy-version-detail", target=PUBLISHED_VERSION_ID, expect=API_SIGNED_IN),
    Row("policy-version-detail", target=DRAFT_VERSION_ID, expect=DRAFT_API),
    Row("policy-version-detail", target=PUBLISHED_VERSION_ID, suffix=".json",
        expect=API_SIGNED_IN),
]  # fmt: skip
