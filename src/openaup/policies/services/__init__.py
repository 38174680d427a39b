"""Every change to policies, campaigns and signatures goes through these functions: each
checks who may act, changes the rows in one transaction and records its audit event there.

- :mod:`.documents`: policy documents, versions, translations, publishing and retiring;
- :mod:`.campaigns`: signing campaigns, their members, and whether someone has signed;
- :mod:`.signatures`: signing (signed in, by personal link, in class, on paper) and
  withdrawing;
- :mod:`.links`: guardians' personal signing links;
- :mod:`.reminders`: invitations and reminders by email, and their log.
"""

from __future__ import annotations

from openaup.policies.services.campaigns import (
    carry_over_campaign,
    close_campaign,
    create_campaign,
    has_signed,
    open_campaign,
    overdue_restriction_applies,
    sync_members,
    update_campaign,
    version_for,
)
from openaup.policies.services.documents import (
    create_policy,
    create_version,
    publish_version,
    retire_version,
    save_text,
    set_review_date,
    text_for,
)
from openaup.policies.services.links import LinkError, issue_link, resolve_link
from openaup.policies.services.signatures import (
    ChildToSign,
    children_to_sign,
    record_paper_signature,
    sign_as_self,
    sign_for_children,
    sign_in_class,
    withdraw_signature,
)

__all__ = [
    "ChildToSign",
    "LinkError",
    "carry_over_campaign",
    "children_to_sign",
    "close_campaign",
    "create_campaign",
    "create_policy",
    "create_version",
    "has_signed",
    "issue_link",
    "open_campaign",
    "overdue_restriction_applies",
    "publish_version",
    "record_paper_signature",
    "resolve_link",
    "retire_version",
    "save_text",
    "set_review_date",
    "sign_as_self",
    "sign_for_children",
    "sign_in_class",
    "sync_members",
    "text_for",
    "update_campaign",
    "version_for",
    "withdraw_signature",
]
